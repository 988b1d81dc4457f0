// GUI benchmarks: the real observer window (offscreen) on a real runtime. One measurement per run, printed as
// "GUI key=value ..." lines that bench/gui_run.sh turns into bench/gui_results.md.
//
//   gui_bench live     [--procs 10000] [--rate 100000] [--seconds 6] [--frame-png FILE] [--fresh-frame-image]
//       10,000 live processes in a tree (groups > managers > leaves), traffic processes sending --rate messages/s
//       to random leaves and a churn process spawning short-lived children. Measures full graph frames (the whole
//       scene rendered into a 1600x1000 image, and the view's viewport as the user sees it), layout time, the delay
//       from an engine event to the models and to the scene, and how late the GUI thread serves a 10 ms timer.
//       Full frames are painted into one image kept between frames (--fresh-frame-image: a new one each time);
//       their GUI-thread CPU time and page faults are reported too. --frame-png saves the last one.
//   gui_bench scale    [--procs 100000]
//       100,000 processes: what the graph shows (aggregation), layout and frame times, and the process table
//       scrolled page by page through every row (paint time per step).
//   gui_bench overhead --workload messages|spawn [--gui | --drain-only] [--seconds 4] [--warmup 0.5]
//       An engine workload that runs for a fixed time, with no observer, a bare subscriber or the window observing
//       it: its steady-state throughput (round trips or spawns per second) over the run after a warm-up.

#include "graphlayout.h"
#include "graphview.h"
#include "mainwindow.h"
#include "processtablemodel.h"
#include "processtablewidget.h"
#include "tracebridge.h"

#include "runtime/runtime.h"

#include <QAbstractItemModel>
#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QGraphicsScene>
#include <QImage>
#include <QPainter>
#include <QScrollBar>
#include <QTableView>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <sys/resource.h>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

using namespace vigil;

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
    std::string mode;
    int64_t procs = 10000;
    int64_t rate = 100000;
    double seconds = -1; // < 0: the mode's default (live 6, overhead 4)
    double warmup = 0.5; // overhead: seconds before the measured window starts
    std::string workload = "messages";
    bool gui = false;
    bool drainOnly = false; // subscribe and drain at 30 Hz, discard the events: the engine's own tracing cost
    double cpuBudget = -1; // the bridge's CPU budget (TraceBridge::setCpuBudget); < 0: its default
    std::string framePng; // live: also save the last full graph frame here (to look at what was measured)
    bool freshFrameImage = false; // live: render each full frame into a new image (see renderWholeScene)
};

Args parse(int argc, char** argv)
{
    Args a;
    if (argc > 1)
        a.mode = argv[1];
    for (int i = 2; i < argc; ++i) {
        auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
        if (!std::strcmp(argv[i], "--procs"))
            a.procs = std::stoll(next());
        else if (!std::strcmp(argv[i], "--rate"))
            a.rate = std::stoll(next());
        else if (!std::strcmp(argv[i], "--seconds"))
            a.seconds = std::stod(next());
        else if (!std::strcmp(argv[i], "--warmup"))
            a.warmup = std::stod(next());
        else if (!std::strcmp(argv[i], "--workload"))
            a.workload = next();
        else if (!std::strcmp(argv[i], "--gui"))
            a.gui = true;
        else if (!std::strcmp(argv[i], "--drain-only"))
            a.drainOnly = true;
        else if (!std::strcmp(argv[i], "--cpu-budget"))
            a.cpuBudget = std::stod(next());
        else if (!std::strcmp(argv[i], "--frame-png"))
            a.framePng = next();
        else if (!std::strcmp(argv[i], "--fresh-frame-image"))
            a.freshFrameImage = true;
    }
    return a;
}

struct Stats {
    std::vector<double> v;
    void add(double x) { v.push_back(x); }
    double pct(double p)
    {
        if (v.empty())
            return 0;
        std::sort(v.begin(), v.end());
        return v[std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5))];
    }
    std::string text(const char* name)
    {
        char buf[256];
        std::snprintf(buf, sizeof buf, " %s_median=%.2f %s_p95=%.2f %s_max=%.2f %s_n=%zu", name, pct(0.5), name,
            pct(0.95), name, pct(1.0), name, v.size());
        return buf;
    }
};

double msSince(const QElapsedTimer& t) { return double(t.nsecsElapsed()) / 1e6; }

// A leaf waits for messages and drops them.
Task<void> leafBody(ProcessContext& ctx)
{
    for (;;) {
        auto m = co_await ctx.receive();
        if (m && m->isAtom(atoms::stop))
            co_return;
    }
}

// A manager spawns its leaves (linked, as a supervisor would be) and then waits.
NativeBody managerBody(int64_t leaves)
{
    return [leaves](ProcessContext& ctx) -> Task<void> {
        for (int64_t i = 0; i < leaves; ++i) {
            SpawnOptions o;
            o.link = true;
            ctx.spawn(leafBody, o);
            if ((i & 255) == 255)
                co_await ctx.yield();
        }
        for (;;)
            co_await ctx.receive();
    };
}

NativeBody groupBody(int64_t managers, int64_t leaves)
{
    return [managers, leaves](ProcessContext& ctx) -> Task<void> {
        for (int64_t i = 0; i < managers; ++i) {
            SpawnOptions o;
            o.link = true;
            o.label = Term::binary("manager");
            ctx.spawn(managerBody(leaves), o);
        }
        for (;;)
            co_await ctx.receive();
    };
}

// groups x managers x leaves ~= procs; returns the group pids.
std::vector<Term> buildTree(Runtime& rt, int64_t procs)
{
    const int64_t groups = 10;
    const int64_t managers = 10;
    const int64_t leaves = std::max<int64_t>(1, (procs - groups - groups * managers) / (groups * managers));
    std::vector<Term> out;
    for (int64_t g = 0; g < groups; ++g) {
        SpawnOptions o;
        o.label = Term::binary("group");
        out.push_back(rt.spawn(groupBody(managers, leaves), o).pid);
    }
    return out;
}

// Sends `perTick` messages to random live processes every 10 ms.
NativeBody trafficBody(std::shared_ptr<std::vector<Term>> targets, int64_t perTick, std::atomic<int64_t>* sent, int seed)
{
    return [targets, perTick, sent, seed](ProcessContext& ctx) -> Task<void> {
        std::mt19937_64 rng { uint64_t(seed) };
        const Term msg = Term::tuple({ Term::atom("work"), Term::integer(seed) });
        for (;;) {
            const int64_t start = ctx.nowMs();
            for (int64_t i = 0; i < perTick; ++i)
                ctx.send((*targets)[rng() % targets->size()], msg);
            sent->fetch_add(perTick, std::memory_order_relaxed);
            const int64_t spent = ctx.nowMs() - start;
            auto m = co_await ctx.sleep(std::max<int64_t>(1, 10 - spent));
            (void)m;
            if (ctx.exitPending())
                co_return;
        }
    };
}

// Spawns a child every 4 ms that lives 100-400 ms: the tree keeps changing, so the graph keeps relaying out.
Task<void> churnBody(ProcessContext& ctx)
{
    std::mt19937 rng(7);
    for (;;) {
        const int64_t life = 100 + int64_t(rng() % 300);
        ctx.spawn([life](ProcessContext& c) -> Task<void> { co_await c.sleep(life); });
        co_await ctx.sleep(4);
    }
}

// Spawns a probe child every 50 ms that lives 100 ms: few enough children that each one gets drawn, so the
// time from its spawn to its node in the scene is the observer's latency.
Task<void> proberBody(ProcessContext& ctx)
{
    for (;;) {
        ctx.spawn([](ProcessContext& c) -> Task<void> { co_await c.sleep(100); });
        co_await ctx.sleep(50);
    }
}

// Every live process except the groups: what the traffic is sent to.
std::vector<Term> leavesOf(Runtime& rt, const std::vector<Term>& groups)
{
    std::unordered_set<uint64_t> skip;
    for (const Term& g : groups)
        skip.insert(g.pidSerial());
    std::vector<Term> out;
    for (const ProcessSnapshot& p : rt.snapshot().processes) {
        if (skip.count(p.pid))
            continue;
        if (auto t = rt.pidFor(p.pid))
            out.push_back(*t);
    }
    return out;
}

double threadCpuMs();

// What one full frame cost: wall time, the GUI thread's CPU time (a frame whose wall time is far above it was
// waiting for a core, not working) and the page faults it took (each costs ~10 us on this VM).
struct FrameCost {
    double ms = 0;
    double cpuMs = 0;
    long faults = 0;
};

long threadFaults()
{
    rusage ru {};
    getrusage(RUSAGE_THREAD, &ru);
    return ru.ru_minflt + ru.ru_majflt;
}

// Renders the whole scene (every item) into a frame-sized image. The image is made once and painted over on
// every frame, as a window's backing store is: a new 6.4 MB image each time often lands on pages the allocator
// just gave back to the kernel, and then 1,600 page faults (~20 ms here) were counted as rendering.
// freshImage: a new image for every frame all the same (the way this was measured before).
FrameCost renderWholeScene(GraphView* view, bool freshImage = false, const std::string& savePng = {})
{
    static QImage kept = [] {
        QImage i(1600, 1000, QImage::Format_ARGB32_Premultiplied);
        i.fill(Qt::white); // its pages are touched before the first frame
        return i;
    }();
    QImage fresh;
    if (freshImage)
        fresh = QImage(1600, 1000, QImage::Format_ARGB32_Premultiplied);
    QImage& img = freshImage ? fresh : kept;
    FrameCost c;
    const double cpu0 = threadCpuMs();
    const long faults0 = threadFaults();
    QElapsedTimer t;
    t.start();
    img.fill(Qt::white);
    QPainter p(&img);
    p.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    view->scene()->render(&p, QRectF(0, 0, 1600, 1000), view->scene()->itemsBoundingRect(), Qt::KeepAspectRatio);
    p.end();
    c.ms = msSince(t);
    c.cpuMs = threadCpuMs() - cpu0;
    c.faults = threadFaults() - faults0;
    if (!savePng.empty())
        img.save(QString::fromStdString(savePng));
    return c;
}

// Paints the view as the user sees it (viewport at the current zoom, legend included).
double renderViewport(GraphView* view)
{
    QElapsedTimer t;
    t.start();
    const QPixmap pm = view->viewport()->grab();
    (void)pm;
    return msSince(t);
}

double layoutOnce(MainWindow& w)
{
    QElapsedTimer t;
    t.start();
    const LayoutResult r = computeLayout(w.bridge()->state(), w.graphView()->collapseState());
    return msSince(t) + 0 * double(r.items.size());
}

void waitUntil(QApplication& app, const std::function<bool()>& done, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (!done() && t.elapsed() < timeoutMs) {
        app.processEvents(QEventLoop::AllEvents, 20);
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

int runLive(QApplication& app, const Args& a)
{
    RuntimeConfig cfg;
    cfg.workers = 2;
    Runtime rt(cfg);
    MainWindow window(rt);
    if (a.cpuBudget >= 0)
        window.bridge()->setCpuBudget(a.cpuBudget);
    window.resize(1600, 1000);
    window.show();

    const std::vector<Term> groups = buildTree(rt, a.procs);
    rt.waitIdle(60000);
    auto targets = std::make_shared<std::vector<Term>>(leavesOf(rt, groups));
    waitUntil(app, [&] { return window.bridge()->state().aliveCount() >= targets->size() + groups.size(); }, 30000);
    window.bridge()->drainNow();
    window.graphView()->flushLayout();
    window.graphView()->fitAll();
    app.processEvents();

    // Traffic: 20 senders at a fixed share of the rate.
    std::atomic<int64_t> sent { 0 };
    constexpr int kSenders = 20;
    const int64_t perTick = std::max<int64_t>(1, a.rate / kSenders / 100);
    for (int i = 0; i < kSenders; ++i) {
        SpawnOptions o;
        o.label = Term::binary("traffic");
        rt.spawn(trafficBody(targets, perTick, &sent, i + 1), o);
    }
    SpawnOptions co;
    co.label = Term::binary("churn");
    rt.spawn(churnBody, co);
    SpawnOptions po;
    po.label = Term::binary("prober");
    const uint64_t prober = rt.spawn(proberBody, po).pid.pidSerial();

    // Event -> models: when the table model has applied a batch, every event of it is in the models.
    Stats modelLatency, sceneLatency, wholeFrame, wholeFrameCpu, wholeFrameFaults, viewFrame, layout, stall;
    std::vector<int64_t> batchTimes;
    std::unordered_map<uint64_t, int64_t> pendingSpawns; // probe children -> spawn time
    QObject::connect(window.bridge(), &TraceBridge::eventsDrained, &window, [&](const std::vector<TraceEvent>& evs) {
        batchTimes.clear();
        for (const TraceEvent& e : evs) {
            batchTimes.push_back(e.timeNs);
            if (e.kind == TraceKind::Spawned && e.other == prober)
                pendingSpawns.emplace(e.pid, e.timeNs);
        }
    });
    QObject::connect(window.bridge(), &TraceBridge::updated, &window, [&](const GraphDelta&) {
        const int64_t now = rt.nowNs();
        for (int64_t t : batchTimes)
            modelLatency.add(double(now - t) / 1e6);
        batchTimes.clear();
    });
    QObject::connect(window.graphView(), &GraphView::nodesPlaced, &window, [&] {
        const int64_t now = rt.nowNs();
        for (auto it = pendingSpawns.begin(); it != pendingSpawns.end();) {
            if (window.graphView()->itemFor(it->first)) {
                sceneLatency.add(double(now - it->second) / 1e6);
                it = pendingSpawns.erase(it);
            } else {
                const GraphNode* n = window.bridge()->state().node(it->first);
                it = (!n || !n->inTree) ? pendingSpawns.erase(it) : std::next(it);
            }
        }
    });
    QElapsedTimer tickClock;
    tickClock.start();
    qint64 lastTick = 0;
    QTimer ticker;
    ticker.setTimerType(Qt::PreciseTimer);
    ticker.setInterval(10);
    QObject::connect(&ticker, &QTimer::timeout, [&] {
        const qint64 now = tickClock.elapsed();
        if (lastTick)
            stall.add(double(std::max<qint64>(0, now - lastTick - 10)));
        lastTick = now;
    });
    QTimer frames;
    frames.setInterval(250);
    QObject::connect(&frames, &QTimer::timeout, [&] {
        const FrameCost c = renderWholeScene(window.graphView(), a.freshFrameImage);
        wholeFrame.add(c.ms);
        wholeFrameCpu.add(c.cpuMs);
        wholeFrameFaults.add(double(c.faults));
        viewFrame.add(renderViewport(window.graphView()));
        layout.add(layoutOnce(window));
        lastTick = 0; // the measurement itself is not a stall
    });

    // Warm up one second, then measure.
    waitUntil(app, [] { return false; }, 1000);
    const uint64_t appliedBefore = window.bridge()->eventsApplied();
    const uint64_t droppedBefore = window.bridge()->eventsDropped();
    const int64_t sentBefore = sent.load();
    modelLatency.v.clear();
    sceneLatency.v.clear();
    ticker.start();
    frames.start();
    const auto t0 = Clock::now();
    waitUntil(app, [] { return false; }, int((a.seconds < 0 ? 6 : a.seconds) * 1000));
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    ticker.stop();
    frames.stop();
    if (!a.framePng.empty())
        renderWholeScene(window.graphView(), false, a.framePng);

    const LayoutResult& lr = window.graphView()->currentLayout();
    std::string line = "GUI mode=live";
    char buf[512];
    std::snprintf(buf, sizeof buf,
        " procs=%zu shown=%zu items=%zu seconds=%.1f msgs_per_s=%.0f events_per_s=%.0f dropped=%llu zoom=%.2f",
        window.bridge()->state().aliveCount(), lr.shownNodes, lr.items.size(), secs,
        double(sent.load() - sentBefore) / secs, double(window.bridge()->eventsApplied() - appliedBefore) / secs,
        static_cast<unsigned long long>(window.bridge()->eventsDropped() - droppedBefore), window.graphView()->zoom());
    line += buf;
    line += wholeFrame.text("scene_frame_ms");
    line += wholeFrameCpu.text("scene_frame_cpu_ms");
    line += wholeFrameFaults.text("scene_frame_faults");
    line += viewFrame.text("view_frame_ms");
    line += layout.text("layout_ms");
    line += modelLatency.text("event_to_model_ms");
    line += sceneLatency.text("spawn_to_scene_ms");
    line += stall.text("gui_stall_ms");
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
    std::_Exit(0); // tearing down 10,000 processes is not measured
}

int runScale(QApplication& app, const Args& a)
{
    RuntimeConfig cfg;
    cfg.workers = 2;
    Runtime rt(cfg);
    MainWindow window(rt);
    if (a.cpuBudget >= 0)
        window.bridge()->setCpuBudget(a.cpuBudget);
    window.resize(1600, 1000);
    window.show();
    QElapsedTimer t;
    t.start();
    const std::vector<Term> groups = buildTree(rt, a.procs);
    rt.waitIdle(120000);
    const size_t want = rt.processCount() - 1; // the host pseudo-process is not in the tree
    waitUntil(app, [&] { return window.bridge()->state().aliveCount() >= want; }, 120000);
    const double ingestMs = msSince(t);
    window.bridge()->drainNow();
    window.graphView()->flushLayout();
    window.graphView()->fitAll();
    app.processEvents();

    Stats layout, wholeFrame, wholeFrameCpu, viewFrame, scroll;
    for (int i = 0; i < 10; ++i) {
        layout.add(layoutOnce(window));
        const FrameCost c = renderWholeScene(window.graphView(), a.freshFrameImage);
        wholeFrame.add(c.ms);
        wholeFrameCpu.add(c.cpuMs);
        viewFrame.add(renderViewport(window.graphView()));
    }
    const LayoutResult& lr = window.graphView()->currentLayout();
    size_t collapsed = 0, aggregates = 0, hiddenTotal = 0;
    for (const LayoutItem& li : lr.items) {
        if (li.collapsed) {
            ++collapsed;
            hiddenTotal += li.hidden;
        }
        if (isAggregateId(li.id)) {
            ++aggregates;
            hiddenTotal += li.hidden;
        }
    }

    // The table: page down through all rows, painting each step like a scroll would.
    QTableView* view = window.processTable()->view();
    const int rows = view->model()->rowCount();
    QScrollBar* bar = view->verticalScrollBar();
    bar->setValue(0);
    app.processEvents();
    int steps = 0;
    for (int v = 0; v <= bar->maximum() && steps < 400; v += std::max(1, bar->maximum() / 400), ++steps) {
        QElapsedTimer s;
        s.start();
        bar->setValue(v);
        view->viewport()->repaint();
        scroll.add(msSince(s));
    }
    // A sort by mailbox depth on 100k rows (what a click on the header does).
    QElapsedTimer st;
    st.start();
    view->sortByColumn(ProcessTableModel::Mailbox, Qt::DescendingOrder);
    const double sortMs = msSince(st);

    char buf[512];
    std::snprintf(buf, sizeof buf,
        "GUI mode=scale procs=%zu ingest_ms=%.0f table_rows=%d drawn_items=%zu shown=%zu collapsed_items=%zu "
        "aggregate_items=%zu hidden_behind_them=%zu sort_ms=%.1f",
        window.bridge()->state().aliveCount(), ingestMs, rows, lr.items.size(), lr.shownNodes, collapsed, aggregates,
        hiddenTotal, sortMs);
    std::string line = buf;
    line += layout.text("layout_ms");
    line += wholeFrame.text("scene_frame_ms");
    line += wholeFrameCpu.text("scene_frame_cpu_ms");
    line += viewFrame.text("view_frame_ms");
    line += scroll.text("table_scroll_step_ms");
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
    std::_Exit(0);
}

double threadCpuMs()
{
    timespec ts {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

double processCpuMs()
{
    timespec ts {};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

// ---- engine overhead ------------------------------------------------------------------------------------------
//
// Both workloads run until told to stop and count their work in plain locals. The GUI thread steers them through
// one flag, `phase` (0 warm-up, 1 measuring, 2 stop), which each process reads every 256 iterations only. When a
// process first sees phase >= 1 it notes its count, when it sees 2 it stops and reports {count at start, count at
// end} to the host. So each process's share covers the interval from its first check after the window opened to
// its first check after it closed: the same length as the window, shifted by a lag of under 256 iterations that is
// alike at both ends (and small against the seconds the window lasts). The rate is the sum of those shares over the
// window's length as the GUI thread measured it, which is also where it reads its own CPU clock and the drain count.

enum Phase : int { kWarmup = 0, kMeasuring = 1, kStop = 2 };

// Echoes {from, n} back to `from`; anything else ends it.
Task<void> pongBody(ProcessContext& ctx)
{
    for (;;) {
        auto m = co_await ctx.receive();
        if (!m->isTuple())
            co_return;
        ctx.send(m->element(0), m->element(1));
    }
}

// Round trips with its pong until phase says stop: message traffic over many processes.
NativeBody pingBody(Term pong, Term host, const std::atomic<int>* phase)
{
    return [pong, host, phase](ProcessContext& ctx) -> Task<void> {
        const Term self = ctx.self();
        int64_t n = 0;
        int64_t atStart = -1;
        for (;; ++n) {
            if ((n & 255) == 0) {
                const int p = phase->load(std::memory_order_relaxed);
                if (p >= kMeasuring && atStart < 0)
                    atStart = n;
                if (p == kStop)
                    break;
            }
            ctx.send(pong, Term::tuple({ self, Term::integer(n) }));
            co_await ctx.receive();
        }
        ctx.send(pong, Term::atom(atoms::stop));
        ctx.send(host, Term::tuple({ Term::integer(atStart), Term::integer(n) }));
    };
}

// Spawn churn: spawns children that exit at once, yielding every 256 spawns, until phase says stop.
NativeBody spawnerBody(Term host, const std::atomic<int>* phase)
{
    return [host, phase](ProcessContext& ctx) -> Task<void> {
        int64_t n = 0;
        int64_t atStart = -1;
        for (;;) {
            const int p = phase->load(std::memory_order_relaxed);
            if (p >= kMeasuring && atStart < 0)
                atStart = n;
            if (p == kStop)
                break;
            for (int i = 0; i < 256; ++i, ++n)
                ctx.spawn([](ProcessContext&) -> Task<void> { co_return; });
            co_await ctx.yield();
        }
        ctx.send(host, Term::tuple({ Term::integer(atStart), Term::integer(n) }));
    };
}

// Starts the workload's processes, then (once the GUI thread has set kStop) collects their reports: the work done
// within the measured window, or -1 when a process did not report.
int64_t runWorkload(Runtime& rt, const std::string& workload, const std::atomic<int>* phase)
{
    auto host = rt.hostProcess();
    int expect = 0;
    if (workload == "messages") {
        for (int i = 0; i < 500; ++i) {
            const Term pong = rt.spawn(pongBody).pid;
            rt.spawn(pingBody(pong, host->pid(), phase));
            ++expect;
        }
    } else {
        for (int i = 0; i < 100; ++i) {
            rt.spawn(spawnerBody(host->pid(), phase));
            ++expect;
        }
    }
    int64_t done = 0;
    for (int i = 0; i < expect; ++i) {
        const auto m = host->receive(600000);
        if (!m || !m->isTuple(2) || m->element(0).asInteger() < 0)
            return -1;
        done += m->element(1).asInteger() - m->element(0).asInteger();
    }
    return done;
}

int runOverhead(QApplication& app, const Args& a)
{
    const double seconds = a.seconds < 0 ? 4 : a.seconds;
    RuntimeConfig cfg;
    cfg.workers = 2;
    Runtime rt(cfg);
    std::unique_ptr<MainWindow> window;
    if (a.gui) {
        window = std::make_unique<MainWindow>(rt);
        if (a.cpuBudget >= 0)
            window->bridge()->setCpuBudget(a.cpuBudget);
        window->resize(1600, 1000);
        window->show();
    }
    // Without a window: optionally a bare subscriber that drains at the window's rate and throws the events away,
    // so the engine's tracing cost can be told apart from what the window does with the events.
    std::shared_ptr<TraceSubscription> bare;
    std::vector<TraceEvent> scratch;
    uint64_t bareEvents = 0;
    uint64_t bareDropped = 0;
    QTimer bareTimer;
    if (!a.gui && a.drainOnly) {
        bare = rt.subscribe();
        QObject::connect(&bareTimer, &QTimer::timeout, [&] {
            scratch.clear();
            bareDropped += bare->drain(scratch);
            bareEvents += scratch.size();
        });
        bareTimer.start(33);
    }
    // Let the window open and paint itself first (both ways, so the runs differ only in the observer): what is
    // measured is the engine while the window observes it, not while the window is opening.
    waitUntil(app, [] { return false; }, 300);

    // What the GUI thread reads at the start and the end of the measured window. Its CPU time (and the whole
    // process's) over the window is what the observer took from the workers on this machine.
    struct Mark {
        Clock::time_point t;
        double guiCpuMs = 0;
        double procCpuMs = 0;
        uint64_t drains = 0;
        uint64_t events = 0;
        uint64_t dropped = 0;
        uint64_t resyncs = 0;
    };
    auto mark = [&] {
        Mark m;
        m.t = Clock::now();
        m.guiCpuMs = threadCpuMs();
        m.procCpuMs = processCpuMs();
        m.drains = window ? window->bridge()->drains() : 0;
        m.events = window ? window->bridge()->eventsApplied() : bareEvents;
        m.dropped = window ? window->bridge()->eventsDropped() : bareDropped;
        m.resyncs = window ? window->bridge()->resyncs() : 0;
        return m;
    };
    std::atomic<int> phase { kWarmup };
    Mark begin, end;
    // The GUI thread runs a real event loop throughout: it serves the window, or sleeps in the loop without one (a
    // processEvents() polling loop would keep a core busy in both cases and hide what the window costs). Two timers
    // on it open and close the measured window; a late timer only moves the window, whose ends are read when the
    // flag is set.
    QEventLoop loop;
    QTimer startTimer, stopTimer;
    for (QTimer* t : { &startTimer, &stopTimer }) {
        t->setSingleShot(true);
        t->setTimerType(Qt::PreciseTimer);
    }
    QObject::connect(&startTimer, &QTimer::timeout, [&] {
        begin = mark();
        phase.store(kMeasuring, std::memory_order_relaxed);
        stopTimer.start(int(seconds * 1000));
    });
    QObject::connect(&stopTimer, &QTimer::timeout, [&] {
        phase.store(kStop, std::memory_order_relaxed);
        end = mark();
    });
    int64_t done = 0;
    std::thread runner([&] {
        done = runWorkload(rt, a.workload, &phase);
        QMetaObject::invokeMethod(&loop, &QEventLoop::quit, Qt::QueuedConnection);
    });
    startTimer.start(int(a.warmup * 1000));
    loop.exec();
    runner.join();

    const double secs = std::chrono::duration<double>(end.t - begin.t).count();
    std::printf("GUI mode=overhead workload=%s gui=%d%s warmup=%.2f seconds=%.3f count=%lld rate=%.0f events=%llu "
                "dropped=%llu gui_cpu_ms=%.1f process_cpu_ms=%.1f drains=%llu resyncs=%llu\n",
        a.workload.c_str(), a.gui ? 1 : 0, bare ? " drain_only=1" : "", a.warmup, secs, static_cast<long long>(done),
        double(done) / secs, static_cast<unsigned long long>(end.events - begin.events),
        static_cast<unsigned long long>(end.dropped - begin.dropped), end.guiCpuMs - begin.guiCpuMs,
        end.procCpuMs - begin.procCpuMs, static_cast<unsigned long long>(end.drains - begin.drains),
        static_cast<unsigned long long>(end.resyncs - begin.resyncs));
    std::fflush(stdout);
    std::_Exit(done < 0 ? 1 : 0);
}

} // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    const Args a = parse(argc, argv);
    QApplication app(argc, argv);
    if (a.mode == "live")
        return runLive(app, a);
    if (a.mode == "scale")
        return runScale(app, a);
    if (a.mode == "overhead")
        return runOverhead(app, a);
    std::fprintf(stderr, "usage: gui_bench live|scale|overhead [--procs N] [--rate N] [--seconds S] "
                         "[--workload messages|spawn] [--gui | --drain-only] [--warmup S]\n");
    return 2;
}
