// Drives the real window on a real runtime (offscreen): actions, dialogs, graph, inspector.

#include "builtinprocesses.h"
#include "chartswidget.h"
#include "consolewidget.h"
#include "eventformat.h"
#include "eventlogmodel.h"
#include "eventlogwidget.h"
#include "graphview.h"
#include "inspectorwidget.h"
#include "mainwindow.h"
#include "messagedialog.h"
#include "nodeitem.h"
#include "processtablemodel.h"
#include "scriptconsole.h"
#include "theme.h"
#include "tracebridge.h"

#include "otp/genserver.h"
#include "otp/supervisor.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QDir>
#include <QPushButton>
#include <QSvgRenderer>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <QCheckBox>
#include <QLineEdit>
#include <QRegularExpression>

#include "waitfor.h"

#include <gtest/gtest.h>

#include <QElapsedTimer>

#include <iostream>
#include <set>
#include <thread>

using namespace vigil;

namespace {

constexpr int kWait = 10000;

uint64_t serial(const Term& pid) { return pid.pidSerial(); }

// Everything the engine did has reached the window.
void settle(MainWindow& w)
{
    w.runtime().waitIdle(5000);
    QTest::qWait(50);
    w.bridge()->drainNow();
    w.graphView()->flushLayout();
}

const GraphNode* node(MainWindow& w, uint64_t pid) { return w.bridge()->state().node(pid); }

class WindowTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        RuntimeConfig cfg;
        cfg.workers = 2;
        runtime = std::make_unique<Runtime>(cfg);
        window = std::make_unique<MainWindow>(*runtime);
        window->show();
        // Models are checked while the window drives them.
        tableTester = std::make_unique<QAbstractItemModelTester>(window->processModel(),
            QAbstractItemModelTester::FailureReportingMode::Fatal);
        logTester = std::make_unique<QAbstractItemModelTester>(window->eventLogModel(),
            QAbstractItemModelTester::FailureReportingMode::Fatal);
        inspectorTester = std::make_unique<QAbstractItemModelTester>(window->inspector()->model(),
            QAbstractItemModelTester::FailureReportingMode::Fatal);
    }
    void TearDown() override
    {
        tableTester.reset();
        logTester.reset();
        inspectorTester.reset();
        window.reset();
        runtime.reset();
    }
    Term spawn(const char* id)
    {
        auto r = spawnBuiltin(*runtime, id);
        EXPECT_TRUE(r.has_value());
        return r ? r->pid : Term();
    }
    std::unique_ptr<Runtime> runtime;
    std::unique_ptr<MainWindow> window;
    std::unique_ptr<QAbstractItemModelTester> tableTester;
    std::unique_ptr<QAbstractItemModelTester> logTester;
    std::unique_ptr<QAbstractItemModelTester> inspectorTester;
};

} // namespace

TEST_F(WindowTest, KillActionShowsRestartAndNewPid)
{
    std::vector<otp::ChildSpec> children;
    for (const char* id : { "a", "b", "c" })
        children.push_back(*builtinChildSpec("idle", Term::atom(id)));
    auto sup = otp::Supervisor::start(*runtime, std::move(children));
    ASSERT_TRUE(sup.hasValue());
    const uint64_t supPid = serial(*sup);
    QElapsedTimer t0; t0.start();
    ASSERT_TRUE(vigil::test::waitFor([&] { return bool(node(*window, supPid) && node(*window, supPid)->children.size() == 3); }));
    std::cerr << "children after " << t0.elapsed() << " ms\n";
    settle(*window);
    std::cerr << "settled after " << t0.elapsed() << " ms\n";
    const uint64_t oldPid = node(*window, supPid)->children[1];
    NodeItem* oldItem = window->graphView()->itemFor(oldPid);
    ASSERT_NE(oldItem, nullptr);
    const QPointF slot = oldItem->pos();

    window->setSelection({ oldPid });
    QAction* kill = window->action(QStringLiteral("actionKill"));
    ASSERT_TRUE(kill->isEnabled());
    kill->trigger();

    QElapsedTimer tm; tm.start();
    const bool restarted
        = vigil::test::waitFor([&] { return bool(node(*window, oldPid) && node(*window, oldPid)->replacedBy != 0); });
    if (!restarted) {
        for (int r = 0; r < window->eventLogModel()->rowCount(); ++r)
            std::cerr << describeEvent(window->eventLogModel()->event(r)) << "\n";
    }
    ASSERT_TRUE(restarted);
    std::cerr << "restart seen after " << tm.elapsed() << " ms\n";
    const uint64_t newPid = node(*window, oldPid)->replacedBy;
    EXPECT_NE(newPid, oldPid);
    EXPECT_EQ(node(*window, oldPid)->exitReason, ":killed");
    window->graphView()->flushLayout();
    NodeItem* newItem = window->graphView()->itemFor(newPid);
    ASSERT_NE(newItem, nullptr) << "the new pid is drawn";
    EXPECT_EQ(window->graphView()->itemFor(oldPid), nullptr) << "the old pid gave up its place";
    EXPECT_EQ(newItem->pos(), slot) << "the restarted child sits where the old one was";
    EXPECT_EQ(newItem->restarts(), 1u);
    EXPECT_EQ(node(*window, supPid)->children[1], newPid);
    bool restartShown = false;
    for (const QString& t : window->graphView()->activeEffectTexts())
        restartShown |= t.contains(QString::fromStdString(pidText(newPid))) && t.contains(QStringLiteral("restarted"));
    EXPECT_TRUE(restartShown) << window->graphView()->activeEffectTexts().join(QStringLiteral(" | ")).toStdString();
    const int row = window->processModel()->rowOf(newPid);
    ASSERT_GE(row, 0);
    EXPECT_EQ(window->processModel()->index(row, ProcessTableModel::Restarts).data().toInt(), 1);
}

TEST_F(WindowTest, SendHelloShowsInBadgeAndInspector)
{
    const uint64_t pid = serial(spawn("keeper"));
    ASSERT_TRUE(vigil::test::waitFor([&] { return bool(window->graphView()->itemFor(pid) || (window->graphView()->flushLayout(), false)); }));
    window->setSelection({ pid });
    MessageDialog* dlg = window->openSendDialog();
    ASSERT_NE(dlg, nullptr);
    dlg->termEditor()->setText(QStringLiteral("{:hello, 1}"));
    ASSERT_TRUE(dlg->actionButton()->isEnabled());
    QTest::mouseClick(dlg->actionButton(), Qt::LeftButton);

    ASSERT_TRUE(vigil::test::waitFor([&] { return node(*window, pid)->mailbox == int64_t(1); })) << "node(*window, pid)->mailbox";
    settle(*window);
    EXPECT_EQ(window->graphView()->itemFor(pid)->mailbox(), 1);
    window->inspector()->refresh();
    const QStringList mail = window->inspector()->model()->sectionRows(InspectorModel::Mailbox);
    ASSERT_EQ(mail.size(), 1);
    EXPECT_EQ(mail.front(), QStringLiteral("1: {:hello, 1}"));
    EXPECT_EQ(window->inspector()->model()->sectionTitle(InspectorModel::Mailbox), QStringLiteral("Mailbox (1)"));
}

TEST_F(WindowTest, MalformedTermShowsErrorAndSendsNothing)
{
    const uint64_t pid = serial(spawn("keeper"));
    ASSERT_TRUE(vigil::test::waitFor([&] { return bool(node(*window, pid) != nullptr); }));
    window->setSelection({ pid });
    MessageDialog* dlg = window->openSendDialog();
    ASSERT_NE(dlg, nullptr);
    dlg->termEditor()->setText(QStringLiteral("{:put, :answer"));
    EXPECT_FALSE(dlg->actionButton()->isEnabled());
    EXPECT_FALSE(dlg->termEditor()->isValid());
    EXPECT_TRUE(dlg->termEditor()->errorText().contains(QStringLiteral("line 1, column")))
        << dlg->termEditor()->errorText().toStdString();
    EXPECT_FALSE(dlg->submit()) << "nothing is sent on error";
    EXPECT_TRUE(dlg->isVisible());
    settle(*window);
    EXPECT_EQ(node(*window, pid)->mailbox, 0);
    EXPECT_EQ(node(*window, pid)->messagesIn, 0u);
    auto detail = runtime->detail(*runtime->pidFor(pid));
    ASSERT_TRUE(detail.has_value());
    EXPECT_TRUE(detail->messages.empty());
    dlg->reject();
}

TEST_F(WindowTest, LinkTwoAndKillOne)
{
    // Two plain processes: both die.
    const uint64_t a = serial(spawn("idle"));
    const uint64_t b = serial(spawn("idle"));
    // A trapping one linked to a plain one: it gets the {:EXIT, ...} message and lives.
    const uint64_t trapper = serial(spawn("keeper"));
    const uint64_t victim = serial(spawn("idle"));
    settle(*window);

    window->setSelection({ a, b });
    ASSERT_TRUE(window->action(QStringLiteral("actionLink"))->isEnabled());
    window->action(QStringLiteral("actionLink"))->trigger();
    window->setSelection({ trapper, victim });
    window->action(QStringLiteral("actionLink"))->trigger();
    settle(*window);
    EXPECT_TRUE(window->bridge()->state().linked(a, b));
    EXPECT_TRUE(window->bridge()->state().linked(trapper, victim));
    EXPECT_GE(window->graphView()->linkEdgeCount(), 2);

    window->setSelection({ a });
    window->action(QStringLiteral("actionKill"))->trigger();
    window->setSelection({ victim });
    window->action(QStringLiteral("actionKill"))->trigger();
    ASSERT_TRUE(vigil::test::waitFor([&] { return bool(!node(*window, b)->alive); }));
    ASSERT_TRUE(vigil::test::waitFor([&] { return bool(!node(*window, victim)->alive); }));
    settle(*window);
    EXPECT_FALSE(node(*window, a)->alive);
    EXPECT_EQ(node(*window, a)->exitReason, ":killed");
    EXPECT_EQ(node(*window, b)->exitReason, ":killed") << "died with the same reason through the link";
    EXPECT_TRUE(node(*window, trapper)->alive);
    EXPECT_EQ(node(*window, trapper)->mailbox, 1);
    EXPECT_FALSE(window->bridge()->state().linked(a, b));

    window->setSelection({ trapper });
    window->inspector()->refresh();
    const QStringList mail = window->inspector()->model()->sectionRows(InspectorModel::Mailbox);
    ASSERT_EQ(mail.size(), 1);
    EXPECT_EQ(mail.front(), QStringLiteral("1: {:EXIT, %1, :killed}").arg(QString::fromStdString(pidText(victim))));

    // The event log tells the story, and exports it.
    bool trappedLogged = false;
    for (int r = 0; r < window->eventLogModel()->rowCount(); ++r) {
        const TraceEvent& e = window->eventLogModel()->event(r);
        trappedLogged |= e.kind == TraceKind::ExitSignal && e.other == trapper && e.outcome == SignalOutcome::Trapped;
    }
    EXPECT_TRUE(trappedLogged);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("events.jsonl"));
    EXPECT_GT(window->eventLog()->exportJsonLines(path), 0);
    QFile f(path);
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    EXPECT_TRUE(f.readAll().contains("\"outcome\":\"trapped\""));
}

TEST_F(WindowTest, MonitorActionDrawsDashedEdgeUntilDown)
{
    const uint64_t watcher = serial(spawn("keeper"));
    const uint64_t target = serial(spawn("idle"));
    settle(*window);
    window->setSelection({ watcher, target });
    window->action(QStringLiteral("actionMonitor"))->trigger();
    settle(*window);
    EXPECT_EQ(window->graphView()->monitorEdgeCount(), 1);
    window->setSelection({ target });
    window->action(QStringLiteral("actionKill"))->trigger();
    ASSERT_TRUE(vigil::test::waitFor([&] { return node(*window, watcher)->mailbox == int64_t(1); })) << "node(*window, watcher)->mailbox";
    settle(*window);
    EXPECT_EQ(window->graphView()->monitorEdgeCount(), 0);
    EXPECT_TRUE(node(*window, watcher)->alive) << "a monitor never kills";
}

TEST_F(WindowTest, StressTenThousandProcessesStayConsistent)
{
    constexpr int kProcs = 10000;
    // The model testers check every row on every change (quadratic at this size); the other tests run them. Here
    // the point is consistency with the engine at scale.
    tableTester.reset();
    logTester.reset();
    std::vector<Term> pids;
    pids.reserve(kProcs);
    for (int i = 0; i < kProcs; ++i)
        pids.push_back(spawnBuiltin(*runtime, i % 10 == 0 ? "keeper" : "idle")->pid);
    for (int i = 0; i + 1 < kProcs; i += 2)
        (void)runtime->link(pids[size_t(i)], pids[size_t(i) + 1]);
    for (int i = 0; i < kProcs; i += 7)
        (void)runtime->monitor(pids[size_t(i)], pids[size_t((i + 3) % kProcs)]);
    for (int round = 0; round < 10; ++round)
        for (int i = 0; i < kProcs; i += 10)
            runtime->send(pids[size_t(i)], Term::tuple({ Term::atom("flood"), Term::integer(round) }));
    // Let the window work while the flood is applied, then kill a third.
    QTest::qWait(100);
    for (int i = 0; i < kProcs; i += 3)
        runtime->exit(pids[size_t(i)], Term::atom(i % 2 ? "kill" : "boom"));
    runtime->waitIdle(20000);
    QTest::qWait(200);
    window->bridge()->drainNow();
    window->graphView()->flushLayout();

    const GraphState& g = window->bridge()->state();
    EXPECT_EQ(g.checkConsistency(), "");
    const Snapshot snap = runtime->snapshot();
    std::set<uint64_t> engineAlive;
    for (const ProcessSnapshot& p : snap.processes) {
        engineAlive.insert(p.pid);
        const GraphNode* n = g.node(p.pid);
        ASSERT_NE(n, nullptr) << pidText(p.pid);
        ASSERT_TRUE(n->alive) << pidText(p.pid);
        EXPECT_EQ(n->mailbox, int64_t(p.messageQueueLen)) << pidText(p.pid);
        std::vector<uint64_t> links = p.links;
        std::sort(links.begin(), links.end());
        EXPECT_EQ(n->links, links) << pidText(p.pid);
        EXPECT_EQ(n->monitors.size(), p.monitors.size()) << pidText(p.pid);
        EXPECT_EQ(n->monitoredBy.size(), p.monitoredBy.size()) << pidText(p.pid);
    }
    std::set<uint64_t> stateAlive;
    for (const auto& [pid, n] : g.nodes())
        if (n.alive)
            stateAlive.insert(pid);
    EXPECT_EQ(stateAlive, engineAlive);
    EXPECT_EQ(g.aliveCount(), snap.processes.size());

    // The graph draws every process it shows exactly once.
    const LayoutResult& layout = window->graphView()->currentLayout();
    std::set<uint64_t> drawn;
    for (const LayoutItem& li : layout.items) {
        EXPECT_TRUE(drawn.insert(li.id).second);
        EXPECT_NE(window->graphView()->itemFor(li.id), nullptr);
    }
    size_t inTree = 0;
    for (const auto& [pid, n] : g.nodes())
        inTree += n.inTree ? 1 : 0;
    EXPECT_EQ(layout.totalNodes, inTree);
}

TEST_F(WindowTest, ExportsAndThemes)
{
    spawn("echo");
    spawn("counter");
    settle(*window);
    QTemporaryDir dir;
    const QString png = dir.filePath(QStringLiteral("graph.png"));
    const QString svg = dir.filePath(QStringLiteral("graph.svg"));
    window->setDarkTheme(true);
    EXPECT_TRUE(window->exportGraph(png));
    EXPECT_FALSE(QImage(png).isNull());
    EXPECT_TRUE(window->exportGraph(svg));
    QSvgRenderer svgCheck(svg);
    EXPECT_TRUE(svgCheck.isValid());
    window->setDarkTheme(false);
    EXPECT_FALSE(window->exportGraph(QStringLiteral("/nonexistent-dir/x.png")));
    window->saveSettings();
}

TEST_F(WindowTest, ConsoleSeamPrintsFromAnyThreadWithClickablePids)
{
    ConsoleWidget console;
    console.evaluate(QStringLiteral("self()"));
    EXPECT_TRUE(console.plainText().contains(QStringLiteral("not part of this build"))) << "no evaluator: says so";
    std::thread worker;
    console.setEvaluator([&worker](const QString& code, ConsoleWidget::Printer print) {
        worker = std::thread([code, print] { print(QStringLiteral("#PID<0.123.0> from ") + code, ConsoleWidget::OutputKind::Result); });
    });
    console.evaluate(QStringLiteral("spawn(fn -> :ok end)"));
    worker.join();
    ASSERT_TRUE(vigil::test::waitFor([&] { return console.plainText().contains(QStringLiteral("#PID<0.123.0> from spawn")); }));
    EXPECT_TRUE(console.findChild<QTextBrowser*>()->toHtml().contains(QStringLiteral("pid:123")));
}

TEST_F(WindowTest, ChartsSampleOncePerSecond)
{
    spawn("counter");
    ASSERT_TRUE(vigil::test::waitFor([&] { return window->bridge()->stats().samples().size() >= 2; }, 4000));
    window->charts()->refresh();
    EXPECT_GE(window->charts()->pointCount(), 2);
    EXPECT_GE(window->bridge()->stats().samples().back().alive, 1u);
}

TEST_F(WindowTest, PauseStepAndSlowMotion)
{
    const uint64_t pid = serial(spawn("keeper"));
    settle(*window);
    window->setPaused(true);
    EXPECT_TRUE(runtime->paused());
    EXPECT_TRUE(window->action(QStringLiteral("actionStep"))->isEnabled());
    runtime->send(*runtime->pidFor(pid), Term::atom("while_paused"));
    window->stepOnce();
    window->setSpeed(10);
    EXPECT_TRUE(runtime->paused()) << "slow motion steps the paused engine";
    QTest::qWait(250);
    window->setSpeed(0);
    EXPECT_FALSE(runtime->paused());
    EXPECT_FALSE(window->action(QStringLiteral("actionStep"))->isEnabled());
    ASSERT_TRUE(vigil::test::waitFor([&] { return node(*window, pid)->mailbox == 1; }));
}

TEST_F(WindowTest, ConsoleEndToEndSpawnsSelectsAndSurvivesSyntaxErrors)
{
    const std::shared_ptr<void> session = attachScriptConsole(window->console(), *runtime);
    if (!session)
        GTEST_SKIP() << "this build has no Elixir interpreter";
    ConsoleWidget* console = window->console();
    auto* input = console->findChild<QLineEdit*>(QStringLiteral("consoleInput"));
    ASSERT_NE(input, nullptr);
    auto type = [&](const QString& line) {
        input->setFocus();
        QTest::keyClicks(input, line);
        QTest::keyClick(input, Qt::Key_Return);
    };

    const size_t before = window->bridge()->state().aliveCount();
    type(QStringLiteral("pid = spawn(fn -> receive do x -> x end end)"));
    // The result line: the new pid, as iex prints it.
    static const QRegularExpression pidRe(QStringLiteral("#PID<0\\.(\\d+)\\.0>"));
    uint64_t pid = 0;
    ASSERT_TRUE(vigil::test::waitFor([&] {
        const QString text = console->plainText();
        const int at = text.lastIndexOf(QStringLiteral("iex(1)>"));
        const auto m = pidRe.match(text, std::max(0, at));
        if (m.hasMatch())
            pid = m.captured(1).toULongLong();
        return pid != 0;
    })) << console->plainText().toStdString();
    // The process is in the graph and the table, alive and waiting.
    ASSERT_TRUE(vigil::test::waitFor([&] { return node(*window, pid) != nullptr; }));
    settle(*window);
    EXPECT_TRUE(node(*window, pid)->alive);
    EXPECT_NE(window->graphView()->itemFor(window->graphView()->shownAs(pid)), nullptr);
    EXPECT_GE(window->processModel()->rowOf(pid), 0);
    EXPECT_GT(window->bridge()->state().aliveCount(), before);

    // Clicking the pid in the output selects it in the graph.
    auto* output = console->findChild<QTextBrowser*>(QStringLiteral("consoleOutput"));
    ASSERT_NE(output, nullptr);
    EXPECT_TRUE(output->toHtml().contains(QStringLiteral("pid:%1").arg(pid)));
    Q_EMIT output->anchorClicked(QUrl(QStringLiteral("pid:%1").arg(pid)));
    EXPECT_EQ(window->selection(), QList<uint64_t>({ pid }));
    EXPECT_EQ(window->graphView()->selectedPids(), QList<uint64_t>({ pid }));

    // A syntax error is reported clearly and the console keeps working.
    type(QStringLiteral("x = {1, "));
    // An unfinished expression asks for more; finish it wrongly.
    type(QStringLiteral(")"));
    ASSERT_TRUE(vigil::test::waitFor([&] { return console->plainText().contains(QStringLiteral("** (")); }))
        << console->plainText().toStdString();
    EXPECT_TRUE(output->toHtml().contains(Theme::current().signalKill.name())) << "shown in the error colour";
    type(QStringLiteral("send(pid, :bye)"));
    ASSERT_TRUE(vigil::test::waitFor([&] { return console->plainText().contains(QStringLiteral(":bye")); }))
        << console->plainText().toStdString();
    ASSERT_TRUE(vigil::test::waitFor([&] { return !node(*window, pid)->alive; })) << "the receive returned";
}

TEST_F(WindowTest, CallMonitorsAreHiddenButExported)
{
    const uint64_t server = serial(spawn("kv_server"));
    settle(*window);
    const Term to = *runtime->pidFor(server);
    // GenServer.call: a monitor/demonitor pair per call.
    for (int i = 0; i < 5; ++i)
        ASSERT_TRUE(otp::GenServer::call(*runtime, to, Term::tuple({ Term::atom("get"), Term::atom("k") }), 2000).hasValue());
    settle(*window);
    EventLogModel* log = window->eventLogModel();
    int monitorRows = 0, hiddenRows = 0;
    for (int r = 0; r < log->rowCount(); ++r) {
        const TraceKind k = log->event(r).kind;
        if (k == TraceKind::Monitored || k == TraceKind::Demonitored) {
            ++monitorRows;
            hiddenRows += log->isCallMonitor(r) ? 1 : 0;
        }
    }
    ASSERT_GE(monitorRows, 10);
    EXPECT_EQ(hiddenRows, monitorRows) << "every call monitor pair is recognised";
    EXPECT_GE(log->callMonitorPairs(), 5u);
    auto* proxy = window->eventLog()->proxy();
    auto shownMonitors = [&] {
        int n = 0;
        for (int r = 0; r < proxy->rowCount(); ++r) {
            const int k = proxy->index(r, 0).data(EventLogModel::KindRole).toInt();
            n += k == int(TraceKind::Monitored) || k == int(TraceKind::Demonitored);
        }
        return n;
    };
    EXPECT_EQ(shownMonitors(), 0) << "hidden by default";
    window->eventLog()->callMonitorsToggle()->setChecked(true);
    EXPECT_EQ(shownMonitors(), monitorRows);
    window->eventLog()->callMonitorsToggle()->setChecked(false);

    // A monitor set up by the user stays visible.
    const uint64_t watcher = serial(spawn("keeper"));
    settle(*window);
    window->setSelection({ watcher, server });
    window->action(QStringLiteral("actionMonitor"))->trigger();
    settle(*window);
    EXPECT_EQ(shownMonitors(), 1);

    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("events.jsonl"));
    ASSERT_GT(window->eventLog()->exportJsonLines(path), 0);
    QFile f(path);
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    const QByteArray all = f.readAll();
    EXPECT_GE(all.count("\"kind\":\"demonitored\""), 5) << "export keeps the hidden pairs";
}

TEST_F(WindowTest, EdgesIntoACollapsedSubtreeEndAtTheCollapsedNode)
{
    std::vector<otp::ChildSpec> children;
    for (const char* id : { "a", "b" })
        children.push_back(*builtinChildSpec("idle", Term::atom(id)));
    auto sup = otp::Supervisor::start(*runtime, std::move(children));
    ASSERT_TRUE(sup.hasValue());
    const uint64_t supPid = serial(*sup);
    const uint64_t outside = serial(spawn("keeper"));
    ASSERT_TRUE(vigil::test::waitFor([&] { return bool(node(*window, supPid) && node(*window, supPid)->children.size() == 2); }));
    const uint64_t inside = node(*window, supPid)->children[0];
    ASSERT_TRUE(runtime->link(*runtime->pidFor(outside), *runtime->pidFor(inside)).hasValue());
    ASSERT_TRUE(runtime->monitor(*runtime->pidFor(outside), *runtime->pidFor(inside)).hasValue());
    settle(*window);
    GraphView* g = window->graphView();
    const int links = g->linkEdgeCount();
    const int monitors = g->monitorEdgeCount();
    EXPECT_GE(monitors, 1);
    g->setCollapsed(supPid, true);
    g->flushLayout();
    EXPECT_EQ(g->itemFor(inside), nullptr) << "hidden in the collapsed subtree";
    EXPECT_EQ(g->shownAs(inside), supPid);
    EXPECT_EQ(g->monitorEdgeCount(), monitors) << "the monitor edge now ends at the collapsed supervisor";
    // The supervisor's own links to its children fold into it; the link to the outside process remains.
    EXPECT_GE(g->linkEdgeCount(), 1);
    EXPECT_LE(g->linkEdgeCount(), links);
    g->setCollapsed(supPid, false);
    g->flushLayout();
    EXPECT_NE(g->itemFor(inside), nullptr);
    EXPECT_EQ(g->shownAs(inside), inside);
}

// Journey: kill the same child four times within five seconds; its supervisor gives up and exits :shutdown, the
// parent supervisor restarts the whole subtree, and the event log tells the story.
TEST_F(WindowTest, ExceedingTheIntensityRestartsTheSubtreeAbove)
{
    otp::SupervisorFlags inner; // Elixir's default: 3 restarts in 5 seconds
    std::vector<otp::ChildSpec> workers { *builtinChildSpec("idle", Term::atom("worker")) };
    std::vector<otp::ChildSpec> top { otp::Supervisor::childSpec(Term::atom("inner"), std::move(workers), inner) };
    otp::SupervisorFlags outer;
    outer.maxRestarts = 10;
    auto sup = otp::Supervisor::start(*runtime, std::move(top), outer);
    ASSERT_TRUE(sup.hasValue());
    const uint64_t topPid = serial(*sup);
    auto innerOf = [&]() -> const GraphNode* {
        const GraphNode* t = node(*window, topPid);
        if (!t || t->children.empty())
            return nullptr;
        const GraphNode* i = node(*window, t->children.back());
        return i && i->alive ? i : nullptr;
    };
    auto workerOf = [&](const GraphNode* i) -> uint64_t {
        if (!i)
            return 0;
        for (auto it = i->children.rbegin(); it != i->children.rend(); ++it)
            if (const GraphNode* w = node(*window, *it); w && w->alive)
                return *it;
        return 0;
    };
    ASSERT_TRUE(vigil::test::waitFor([&] { return workerOf(innerOf()) != 0; }));
    const uint64_t firstInner = innerOf()->pid;

    QAction* kill = window->action(QStringLiteral("actionKill"));
    for (int k = 0; k < 4; ++k) {
        uint64_t w = 0;
        ASSERT_TRUE(vigil::test::waitFor([&] {
            const GraphNode* i = innerOf();
            w = i && i->pid == firstInner ? workerOf(i) : 0;
            return w != 0;
        })) << "kill " << k;
        window->setSelection({ w });
        ASSERT_TRUE(kill->isEnabled());
        kill->trigger();
        ASSERT_TRUE(vigil::test::waitFor([&] { return !node(*window, w)->alive; }));
    }
    // The inner supervisor gave up, died with :shutdown, and the top one started a new one with a new worker.
    ASSERT_TRUE(vigil::test::waitFor([&] {
        const GraphNode* i = innerOf();
        return i && i->pid != firstInner && workerOf(i) != 0;
    }));
    settle(*window);
    const GraphNode* old = node(*window, firstInner);
    ASSERT_NE(old, nullptr);
    EXPECT_FALSE(old->alive);
    EXPECT_TRUE(old->supervisorGaveUp);
    EXPECT_EQ(old->exitReason, ":shutdown");
    const GraphNode* fresh = innerOf();
    EXPECT_EQ(fresh->restarts, 1u);
    EXPECT_EQ(fresh->restartedFrom, firstInner);
    EXPECT_NE(window->graphView()->itemFor(fresh->pid), nullptr) << "the new subtree is drawn";
    EXPECT_NE(window->graphView()->itemFor(workerOf(fresh)), nullptr);

    // The story, in order, in the event log: three restarts of the worker, the give-up, the inner supervisor's
    // exit and its restart by the top supervisor.
    std::vector<std::string> story;
    EventLogModel* log = window->eventLogModel();
    for (int r = 0; r < log->rowCount(); ++r) {
        const TraceEvent& e = log->event(r);
        if (e.kind == TraceKind::ChildRestarted && e.pid == firstInner)
            story.push_back("worker restarted");
        else if (e.kind == TraceKind::SupervisorGaveUp && e.pid == firstInner)
            story.push_back("gave up");
        else if (e.kind == TraceKind::Exited && e.pid == firstInner)
            story.push_back("inner exited " + labelText(e.data));
        else if (e.kind == TraceKind::ChildRestarted && e.pid == topPid)
            story.push_back("inner restarted");
    }
    EXPECT_EQ(story, (std::vector<std::string> { "worker restarted", "worker restarted", "worker restarted", "gave up",
                         "inner exited shutdown", "inner restarted" }));
}

// Journey: kill the middle child under one_for_all and under rest_for_one and see which siblings were restarted.
TEST_F(WindowTest, OneForAllAndRestForOneRestartTheRightSiblings)
{
    for (const char* strategy : { "one_for_all", "rest_for_one" }) {
        SCOPED_TRACE(strategy);
        std::vector<otp::ChildSpec> children;
        for (const char* id : { "a", "b", "c" })
            children.push_back(*builtinChildSpec("idle", Term::atom(id)));
        otp::SupervisorFlags flags;
        flags.strategy = Atom::intern(strategy);
        auto sup = otp::Supervisor::start(*runtime, std::move(children), flags);
        ASSERT_TRUE(sup.hasValue());
        const uint64_t supPid = serial(*sup);
        ASSERT_TRUE(vigil::test::waitFor([&] { return node(*window, supPid) && node(*window, supPid)->children.size() == 3; }));
        settle(*window);
        const std::vector<uint64_t> before = node(*window, supPid)->children;
        window->setSelection({ before[1] });
        window->action(QStringLiteral("actionKill"))->trigger();
        const size_t restartedCount = std::string(strategy) == "one_for_all" ? 3 : 2;
        auto current = [&] {
            std::vector<uint64_t> alive;
            for (uint64_t c : node(*window, supPid)->children)
                if (node(*window, c)->alive)
                    alive.push_back(c);
            return alive;
        };
        ASSERT_TRUE(vigil::test::waitFor([&] {
            const auto now = current();
            size_t fresh = 0;
            for (uint64_t c : now)
                fresh += std::find(before.begin(), before.end(), c) == before.end();
            return now.size() == 3 && fresh == restartedCount;
        }));
        settle(*window);
        const auto after = current();
        ASSERT_EQ(after.size(), 3u);
        EXPECT_EQ(after[0] == before[0], restartedCount == 2) << "a survives only under rest_for_one";
        EXPECT_NE(after[1], before[1]);
        EXPECT_NE(after[2], before[2]);
        // In start order, each in its old place, each drawn.
        const char* ids[] = { "a", "b", "c" };
        for (size_t i = 0; i < 3; ++i) {
            EXPECT_EQ(node(*window, after[i])->childId, ids[i]);
            EXPECT_NE(window->graphView()->itemFor(after[i]), nullptr);
        }
        // Three leaves are stacked in one column, in start order.
        EXPECT_LT(window->graphView()->itemFor(after[0])->pos().y(), window->graphView()->itemFor(after[1])->pos().y());
        EXPECT_LT(window->graphView()->itemFor(after[1])->pos().y(), window->graphView()->itemFor(after[2])->pos().y());
    }
}
