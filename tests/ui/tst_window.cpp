// Drives the real window on a real runtime (offscreen): actions, dialogs, graph, inspector.

#include "builtinprocesses.h"
#include "chartswidget.h"
#include "consolewidget.h"
#include "effectitem.h"
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

#include "otp/demo.h"
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
#include <QLabel>
#include <QLineEdit>
#include <QRegularExpression>
#include <QTabWidget>

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

// The live process registered under name (as the graph shows it, e.g. "Demo.Cache"), or 0.
uint64_t named(MainWindow& w, const std::string& name)
{
    for (const auto& [pid, n] : w.bridge()->state().nodes())
        if (n.alive && n.extras().registeredName == name)
            return pid;
    return 0;
}

// The inspector's text for one section, freshly refreshed.
QStringList inspectorRows(MainWindow& w, InspectorModel::Section s)
{
    w.inspector()->refresh();
    return w.inspector()->model()->sectionRows(s);
}

QString inspectorState(MainWindow& w)
{
    const QStringList rows = inspectorRows(w, InspectorModel::State);
    return rows.isEmpty() ? QString() : rows.join(QLatin1Char('\n'));
}

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

// Types a term missing its closing brace into a fresh send dialog for the selected process: the editor must say
// where it is wrong (line 1, column 15), keep the send button off and refuse to send. The dialog is then closed.
void expectTypoRefused(MainWindow& window)
{
    MessageDialog* dlg = window.openSendDialog();
    ASSERT_NE(dlg, nullptr);
    dlg->termEditor()->setText(QStringLiteral("{:put, :answer"));
    EXPECT_FALSE(dlg->termEditor()->isValid());
    EXPECT_FALSE(dlg->actionButton()->isEnabled());
    EXPECT_TRUE(dlg->termEditor()->errorText().contains(QStringLiteral("line 1, column 15")))
        << dlg->termEditor()->errorText().toStdString();
    EXPECT_FALSE(dlg->submit()) << "nothing is sent on error";
    EXPECT_TRUE(dlg->isVisible());
    dlg->reject();
}

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
        = vigil::test::waitFor([&] { return bool(node(*window, oldPid) && node(*window, oldPid)->extras().replacedBy != 0); });
    if (!restarted) {
        for (int r = 0; r < window->eventLogModel()->rowCount(); ++r)
            std::cerr << describeEvent(window->eventLogModel()->event(r)) << "\n";
    }
    ASSERT_TRUE(restarted);
    std::cerr << "restart seen after " << tm.elapsed() << " ms\n";
    const uint64_t newPid = node(*window, oldPid)->extras().replacedBy;
    EXPECT_NE(newPid, oldPid);
    EXPECT_EQ(node(*window, oldPid)->extras().exitReason, ":killed");
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
    expectTypoRefused(*window);
    settle(*window);
    EXPECT_EQ(node(*window, pid)->mailbox, 0);
    EXPECT_EQ(node(*window, pid)->messagesIn, 0u);
    auto detail = runtime->detail(*runtime->pidFor(pid));
    ASSERT_TRUE(detail.has_value());
    EXPECT_TRUE(detail->messages.empty());
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
    EXPECT_EQ(node(*window, a)->extras().exitReason, ":killed");
    EXPECT_EQ(node(*window, b)->extras().exitReason, ":killed") << "died with the same reason through the link";
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
        EXPECT_EQ(n->extras().monitoredBy.size(), p.monitoredBy.size()) << pidText(p.pid);
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
    EXPECT_EQ(old->extras().exitReason, ":shutdown");
    const GraphNode* fresh = innerOf();
    EXPECT_EQ(fresh->restarts, 1u);
    EXPECT_EQ(fresh->extras().restartedFrom, firstInner);
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
        const std::vector<uint64_t> before = node(*window, supPid)->children.toVector();
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
            EXPECT_EQ(node(*window, after[i])->extras().childId, ids[i]);
            EXPECT_NE(window->graphView()->itemFor(after[i]), nullptr);
        }
        // Three leaves are stacked in one column, in start order.
        EXPECT_LT(window->graphView()->itemFor(after[0])->pos().y(), window->graphView()->itemFor(after[1])->pos().y());
        EXPECT_LT(window->graphView()->itemFor(after[1])->pos().y(), window->graphView()->itemFor(after[2])->pos().y());
    }
}

// Journey 1: the demo as `vigil` starts it: a tree of three levels of supervisors with all three strategies, traffic
// flowing, and a mailbox that visibly grows.
TEST_F(WindowTest, FirstStartShowsALiveDemoTreeWithTrafficAndAGrowingMailbox)
{
    auto demo = otp::startDemo(*runtime);
    ASSERT_TRUE(demo.hasValue());
    const std::vector<std::string> names { "Demo.Root", "Demo.Cache", "Demo.Stats", "Demo.Pipeline", "Demo.Producer",
        "Demo.Consumer", "Demo.Workers", "Demo.Worker.1", "Demo.Worker.2", "Demo.Jobs", "Demo.Ticker", "Demo.Sessions",
        "Demo.Flaky" };
    ASSERT_TRUE(vigil::test::waitFor([&] {
        for (const std::string& n : names)
            if (!named(*window, n))
                return false;
        return true;
    })) << "every demo process is in the graph state";
    window->graphView()->flushLayout();
    GraphView* g = window->graphView();
    const uint64_t root = named(*window, "Demo.Root");
    EXPECT_EQ(root, serial(*demo));
    for (const std::string& n : names)
        EXPECT_NE(g->itemFor(named(*window, n)), nullptr) << n << " is drawn";

    // Three levels of supervisors: Demo.Jobs under Demo.Workers under Demo.Root.
    const uint64_t workers = named(*window, "Demo.Workers");
    const uint64_t jobs = named(*window, "Demo.Jobs");
    const uint64_t pipeline = named(*window, "Demo.Pipeline");
    for (uint64_t sup : { root, workers, jobs, pipeline })
        EXPECT_EQ(node(*window, sup)->kind, NodeKind::Supervisor) << pidText(sup);
    EXPECT_EQ(node(*window, jobs)->treeParent, workers);
    EXPECT_EQ(node(*window, workers)->treeParent, root);
    EXPECT_EQ(node(*window, pipeline)->treeParent, root);
    EXPECT_LT(g->itemFor(root)->pos().x(), g->itemFor(workers)->pos().x()) << "drawn as a tree, level by level";
    EXPECT_LT(g->itemFor(workers)->pos().x(), g->itemFor(jobs)->pos().x());

    // All three strategies, as the user sees them: on the supervisor's node and in the inspector.
    const std::pair<uint64_t, const char*> strategies[] = { { root, "one_for_one" }, { pipeline, "rest_for_one" },
        { workers, "one_for_all" }, { jobs, "one_for_one" } };
    for (const auto& [sup, strategy] : strategies) {
        SCOPED_TRACE(strategy);
        window->setSelection({ sup });
        ASSERT_TRUE(vigil::test::waitFor([&] { return inspectorState(*window).contains(QLatin1String(strategy)); }))
            << inspectorState(*window).toStdString();
        EXPECT_EQ(node(*window, sup)->extras().strategy, strategy);
        EXPECT_EQ(g->itemFor(sup)->strategy(), QLatin1String(strategy)) << "the node's strategy tag";
    }
    window->setSelection({});

    // Traffic: the message counters rise, and the status bar shows a rate.
    auto totalIn = [&] {
        uint64_t sum = 0;
        for (const auto& [pid, n] : window->bridge()->state().nodes())
            sum += n.messagesIn;
        return sum;
    };
    const uint64_t in0 = totalIn();
    ASSERT_TRUE(vigil::test::waitFor([&] { return totalIn() >= in0 + 50; }, 5000)) << totalIn() << " vs " << in0;
    ASSERT_TRUE(vigil::test::waitFor([&] { return window->bridge()->stats().lastMessageRate() > 10; }, 5000));
    auto* rate = window->findChild<QLabel*>(QStringLiteral("statusRate"));
    ASSERT_NE(rate, nullptr);
    ASSERT_TRUE(vigil::test::waitFor([&] { return !rate->text().startsWith(QLatin1String("0 ")); }, 3000))
        << rate->text().toStdString();

    // Demo.Consumer is slow for its first six seconds: its badge climbs between two looks.
    const uint64_t consumer = named(*window, "Demo.Consumer");
    auto badge = [&] {
        g->flushLayout();
        NodeItem* item = g->itemFor(consumer);
        return item ? item->mailbox() : -1;
    };
    // (It catches up for four seconds in every ten: measured from the lowest depth seen, so a slow start that
    // lands in a catching-up phase still sees the next climb.)
    int64_t lowest = badge();
    ASSERT_GE(lowest, 0);
    ASSERT_TRUE(vigil::test::waitFor([&] {
        const int64_t now = badge();
        lowest = std::min(lowest, now);
        return now >= lowest + 10;
    }, 12000)) << "badge stayed at " << badge() << " (lowest " << lowest << ")";
}

// Journey 2: select the demo's cache, press Kill: the exit is seen, the supervisor restarts it, the node shows a
// new pid and restart count 1, and the inspector shows that its state was lost.
TEST_F(WindowTest, KillingTheDemoCacheRestartsItAndItsStateIsLost)
{
    ASSERT_TRUE(otp::startDemo(*runtime).hasValue());
    uint64_t cache = 0;
    ASSERT_TRUE(vigil::test::waitFor([&] {
        cache = named(*window, "Demo.Cache");
        window->graphView()->flushLayout();
        return cache && window->graphView()->itemFor(cache);
    }));
    // Something only this incarnation of the cache knows (the demo's workers never use this key).
    runtime->send(*runtime->pidFor(cache), Term::tuple({ Term::atom("put"), Term::atom("before_kill"), Term::integer(7) }));
    window->setSelection({ cache });
    ASSERT_TRUE(vigil::test::waitFor([&] { return inspectorState(*window).contains(QLatin1String("before_kill: {:infinity, 7}")); }))
        << inspectorState(*window).toStdString();

    QAction* kill = window->action(QStringLiteral("actionKill"));
    ASSERT_TRUE(kill->isEnabled());
    kill->trigger();
    ASSERT_TRUE(vigil::test::waitFor([&] { return node(*window, cache)->extras().replacedBy != 0; }));
    const uint64_t fresh = node(*window, cache)->extras().replacedBy;
    EXPECT_NE(fresh, cache);
    EXPECT_FALSE(node(*window, cache)->alive);
    EXPECT_EQ(node(*window, cache)->extras().exitReason, ":killed");
    EXPECT_EQ(node(*window, fresh)->restarts, 1u);
    EXPECT_EQ(node(*window, fresh)->extras().restartedFrom, cache);
    EXPECT_EQ(node(*window, fresh)->extras().supervisor, named(*window, "Demo.Root"));

    // The exit is seen: on the graph as it happens, and in the event log, followed by the restart.
    bool diedShown = false;
    for (const QString& t : window->graphView()->activeEffectTexts())
        diedShown |= t.startsWith(QLatin1String("died: "));
    EXPECT_TRUE(diedShown) << window->graphView()->activeEffectTexts().join(QStringLiteral(" | ")).toStdString();
    int exitedRow = -1;
    int restartedRow = -1;
    for (int r = 0; r < window->eventLogModel()->rowCount(); ++r) {
        const TraceEvent& e = window->eventLogModel()->event(r);
        if (e.kind == TraceKind::Exited && e.pid == cache && labelText(e.data) == "killed")
            exitedRow = r;
        else if (e.kind == TraceKind::ChildRestarted && e.other == fresh)
            restartedRow = r;
    }
    EXPECT_GE(exitedRow, 0);
    EXPECT_GT(restartedRow, exitedRow);

    // The selection followed the restart: the inspector shows the new process.
    ASSERT_TRUE(vigil::test::waitFor([&] { return window->selection() == QList<uint64_t>({ fresh }); }))
        << "selection stayed on " << (window->selection().isEmpty() ? 0 : window->selection().front());
    EXPECT_EQ(window->inspector()->pid(), fresh);
    ASSERT_TRUE(vigil::test::waitFor([&] { return named(*window, "Demo.Cache") == fresh; })) << "registered again";
    window->graphView()->flushLayout();
    NodeItem* item = window->graphView()->itemFor(fresh);
    ASSERT_NE(item, nullptr);
    EXPECT_EQ(item->restarts(), 1u);
    EXPECT_EQ(window->graphView()->itemFor(cache), nullptr);
    EXPECT_EQ(window->processModel()->index(window->processModel()->rowOf(fresh), ProcessTableModel::Restarts).data().toInt(), 1);

    // Its state starts afresh: the entry the old process held is gone, and the inspector says so.
    ASSERT_TRUE(vigil::test::waitFor([&] { return inspectorState(*window).startsWith(QLatin1String("state: %{")); }))
        << inspectorState(*window).toStdString();
    EXPECT_FALSE(inspectorState(*window).contains(QLatin1String("before_kill"))) << inspectorState(*window).toStdString();
    EXPECT_EQ(window->inspector()->model()->sectionTitle(InspectorModel::State), QLatin1String("State"));
    const int recentRows = int(inspectorRows(*window, InspectorModel::Recent).size());
    EXPECT_GT(recentRows, 0);
    EXPECT_EQ(window->inspector()->model()->sectionTitle(InspectorModel::Recent),
        QStringLiteral("Recent events (%1)").arg(recentRows));
    EXPECT_TRUE(inspectorRows(*window, InspectorModel::Info)
                    .contains(QStringLiteral("restarted from: %1").arg(QString::fromStdString(pidText(cache)))));
    const QString header = window->inspector()->headerText();
    EXPECT_TRUE(header.contains(QStringLiteral("the state of %1 was lost").arg(QString::fromStdString(pidText(cache)).toHtmlEscaped())))
        << header.toStdString();

    // The dead pid can still be picked on purpose (the table lists it): the selection stays on it.
    window->setSelection({ cache });
    const uint64_t drainsBefore = window->bridge()->drains();
    ASSERT_TRUE(vigil::test::waitFor([&] { return window->bridge()->drains() >= drainsBefore + 3; }));
    EXPECT_EQ(window->selection(), QList<uint64_t>({ cache }));
    EXPECT_EQ(window->inspector()->pid(), cache);
}

// Journey 5: send {:put, :answer, 42} to a key-value GenServer spawned from the palette: the badge and the inspector
// show the message until it is received, then the state holds it; a typo is refused with its position and nothing
// is sent.
TEST_F(WindowTest, SendPutToTheKvProcessAndATypoIsRefused)
{
    QAction* spawnKv = window->findChild<QAction*>(QStringLiteral("spawn_kv_server"));
    ASSERT_NE(spawnKv, nullptr);
    spawnKv->trigger();
    uint64_t kv = 0;
    ASSERT_TRUE(vigil::test::waitFor([&] {
        kv = window->selection().size() == 1 ? window->selection().front() : 0;
        return kv && node(*window, kv) && node(*window, kv)->alive;
    })) << "the spawned process is selected";
    settle(*window);
    EXPECT_EQ(node(*window, kv)->extras().behaviour, "gen_server");
    ASSERT_TRUE(vigil::test::waitFor([&] { return inspectorState(*window) == QLatin1String("state: %{}"); }))
        << inspectorState(*window).toStdString();

    // The message goes through the mailbox: the inspector's recent events show it queued, then taken, and the
    // server's state holds it. (A keeper, which never receives, shows it waiting: SendHelloShowsInBadgeAndInspector.)
    MessageDialog* dlg = window->openSendDialog();
    ASSERT_NE(dlg, nullptr);
    dlg->termEditor()->setText(QStringLiteral("{:put, :answer, 42}"));
    ASSERT_TRUE(dlg->actionButton()->isEnabled());
    QTest::mouseClick(dlg->actionButton(), Qt::LeftButton);
    EXPECT_TRUE(window->lastStatusMessage().startsWith(QLatin1String("Sent {:put, :answer, 42} to "))) << window->lastStatusMessage().toStdString();
    ASSERT_TRUE(vigil::test::waitFor([&] { return inspectorState(*window) == QLatin1String("state: %{answer: 42}"); }))
        << inspectorState(*window).toStdString();
    const QString kvText = QString::fromStdString(pidText(kv));
    int queuedRow = -1;
    int takenRow = -1;
    ASSERT_TRUE(vigil::test::waitFor([&] {
        window->bridge()->drainNow();
        const QStringList recent = inspectorRows(*window, InspectorModel::Recent); // newest first
        queuedRow = int(recent.indexOf(QRegularExpression(QStringLiteral(".*queued: .*→ %1 queued \\{:put, :answer, 42\\}$")
                                                              .arg(QRegularExpression::escape(kvText)))));
        takenRow = int(recent.indexOf(QRegularExpression(QStringLiteral(".*received: %1 took \\{:put, :answer, 42\\}$")
                                                             .arg(QRegularExpression::escape(kvText)))));
        return queuedRow >= 0 && takenRow >= 0;
    })) << inspectorRows(*window, InspectorModel::Recent).join(QLatin1Char('\n')).toStdString();
    EXPECT_LT(takenRow, queuedRow) << "queued first, then taken (newest first)";
    settle(*window);
    EXPECT_EQ(node(*window, kv)->mailbox, 0);
    EXPECT_EQ(window->graphView()->itemFor(kv)->mailbox(), 0);
    EXPECT_TRUE(inspectorRows(*window, InspectorModel::Mailbox).isEmpty());
    const uint64_t inBefore = node(*window, kv)->messagesIn;
    EXPECT_GE(inBefore, 1u);

    // The typo: refused where it is wrong, nothing sent.
    expectTypoRefused(*window);
    settle(*window);
    EXPECT_EQ(node(*window, kv)->messagesIn, inBefore);
    EXPECT_EQ(inspectorState(*window), QLatin1String("state: %{answer: 42}"));
}

// Journey 6: two processes spawned from the palette are linked, a third monitors one of them; killing it takes the
// linked one down with the same reason, a trapping one gets {:EXIT, ...}, the monitor gets {:DOWN, ...} and lives.
TEST_F(WindowTest, LinksAndMonitorsFromThePaletteWhenOneIsKilled)
{
    auto spawnFromPalette = [&](const char* id) -> uint64_t {
        const QList<uint64_t> before = window->selection();
        QAction* a = window->findChild<QAction*>(QStringLiteral("spawn_") + QLatin1String(id));
        EXPECT_NE(a, nullptr) << id;
        if (!a)
            return 0;
        a->trigger();
        uint64_t pid = 0;
        vigil::test::waitFor([&] {
            const QList<uint64_t> s = window->selection();
            pid = s.size() == 1 && s != before ? s.front() : 0;
            return pid != 0;
        });
        return pid;
    };
    const uint64_t a = spawnFromPalette("idle");
    const uint64_t b = spawnFromPalette("idle");
    const uint64_t trapper = spawnFromPalette("keeper");
    const uint64_t watcher = spawnFromPalette("keeper");
    ASSERT_TRUE(a && b && trapper && watcher);
    settle(*window);
    GraphView* g = window->graphView();
    EXPECT_EQ(g->linkEdgeCount(), 0);
    EXPECT_EQ(g->monitorEdgeCount(), 0);

    window->setSelection({ a, b });
    window->action(QStringLiteral("actionLink"))->trigger();
    window->setSelection({ trapper, a });
    window->action(QStringLiteral("actionLink"))->trigger();
    window->setSelection({ watcher, a });
    ASSERT_TRUE(window->action(QStringLiteral("actionMonitor"))->isEnabled());
    window->action(QStringLiteral("actionMonitor"))->trigger();
    ASSERT_TRUE(vigil::test::waitFor([&] {
        g->flushLayout();
        return g->linkEdgeCount() == 2 && g->monitorEdgeCount() == 1;
    })) << g->linkEdgeCount() << " links, " << g->monitorEdgeCount() << " monitors";
    EXPECT_TRUE(window->bridge()->state().linked(a, b));
    EXPECT_TRUE(window->bridge()->state().linked(a, trapper));

    window->setSelection({ a });
    window->action(QStringLiteral("actionKill"))->trigger();
    ASSERT_TRUE(vigil::test::waitFor([&] { return !node(*window, b)->alive; }));
    ASSERT_TRUE(vigil::test::waitFor([&] { return node(*window, watcher)->mailbox == 1 && node(*window, trapper)->mailbox == 1; }));
    settle(*window);
    EXPECT_EQ(node(*window, a)->extras().exitReason, ":killed");
    EXPECT_EQ(node(*window, b)->extras().exitReason, ":killed") << "the same reason, through the link";
    EXPECT_TRUE(node(*window, trapper)->alive) << "it traps exits";
    EXPECT_TRUE(node(*window, watcher)->alive) << "a monitor never kills";
    EXPECT_EQ(g->linkEdgeCount(), 0) << "the links went with the process";
    EXPECT_EQ(g->monitorEdgeCount(), 0) << "the monitor fired and is gone";

    const QString aText = QString::fromStdString(pidText(a));
    window->setSelection({ trapper });
    EXPECT_EQ(inspectorRows(*window, InspectorModel::Mailbox), QStringList({ QStringLiteral("1: {:EXIT, %1, :killed}").arg(aText) }));
    window->setSelection({ watcher });
    const QStringList down = inspectorRows(*window, InspectorModel::Mailbox);
    ASSERT_EQ(down.size(), 1);
    EXPECT_TRUE(down.front().startsWith(QLatin1String("1: {:DOWN, #Reference<"))) << down.front().toStdString();
    EXPECT_TRUE(down.front().endsWith(QStringLiteral(", :process, %1, :killed}").arg(aText))) << down.front().toStdString();
}

// Journey 8: pause, step one event at a time through a crash cascade (one_for_all restarting three children),
// then resume.
TEST_F(WindowTest, PauseAndStepThroughACrashCascadeThenResume)
{
    std::vector<otp::ChildSpec> children;
    for (const char* id : { "a", "b", "c" })
        children.push_back(*builtinChildSpec("idle", Term::atom(id)));
    otp::SupervisorFlags flags;
    flags.strategy = Atom::intern("one_for_all");
    auto sup = otp::Supervisor::start(*runtime, std::move(children), flags);
    ASSERT_TRUE(sup.hasValue());
    const uint64_t supPid = serial(*sup);
    ASSERT_TRUE(vigil::test::waitFor([&] { return node(*window, supPid) && node(*window, supPid)->children.size() == 3; }));
    settle(*window);
    const std::vector<uint64_t> before = node(*window, supPid)->children.toVector();

    window->setPaused(true);
    ASSERT_TRUE(window->action(QStringLiteral("actionPause"))->isChecked());
    ASSERT_TRUE(window->action(QStringLiteral("actionStep"))->isEnabled());
    window->setSelection({ before[1] });
    window->action(QStringLiteral("actionKill"))->trigger();
    // Paused: the kill waits for the victim's next slice, and the window stays as it was.
    QTest::qWait(150);
    window->bridge()->drainNow();
    EXPECT_TRUE(node(*window, before[1])->alive) << "nothing moves while paused";

    // The cascade's milestones, in the order the steps reveal them.
    EventLogModel* log = window->eventLogModel();
    int seen = log->rowCount();
    std::vector<std::string> story;
    auto collect = [&] {
        for (; seen < log->rowCount(); ++seen) {
            const TraceEvent& e = log->event(seen);
            if (e.kind == TraceKind::Exited && e.pid == before[1])
                story.push_back("b exited " + labelText(e.data));
            else if (e.kind == TraceKind::Exited && (e.pid == before[0] || e.pid == before[2]))
                story.push_back(std::string(e.pid == before[0] ? "a" : "c") + " exited " + labelText(e.data));
            else if (e.kind == TraceKind::ChildRestarted && e.pid == supPid)
                story.push_back("restarted " + labelText(e.data));
        }
    };
    QAction* step = window->action(QStringLiteral("actionStep"));
    int steps = 0;
    std::vector<size_t> storyAfterStep;
    while (steps < 200 && std::count_if(story.begin(), story.end(), [](const std::string& s) { return s.rfind("restarted", 0) == 0; }) < 3) {
        step->trigger();
        ++steps;
        collect();
        storyAfterStep.push_back(story.size());
        if (story.size() == 1 && storyAfterStep.size() == 1) {
            // The graph shows the same moment: b is dead, its siblings still live; the status bar says what
            // the step did.
            EXPECT_FALSE(node(*window, before[1])->alive);
            EXPECT_TRUE(node(*window, before[0])->alive);
            EXPECT_TRUE(node(*window, before[2])->alive);
            EXPECT_TRUE(window->lastStatusMessage().startsWith(QLatin1String("Step: ")))
                << window->lastStatusMessage().toStdString();
            EXPECT_TRUE(window->lastStatusMessage().contains(QString::fromStdString(pidText(before[1]))))
                << window->lastStatusMessage().toStdString();
        }
    }
    ASSERT_EQ(std::count_if(story.begin(), story.end(), [](const std::string& s) { return s.rfind("restarted", 0) == 0; }), 3)
        << "after " << steps << " steps";
    // OTP's order: the killed child's exit, its siblings shut down in reverse start order, then all three started
    // again in start order.
    EXPECT_EQ(story, (std::vector<std::string> { "b exited killed", "c exited shutdown", "a exited shutdown",
                         "restarted a", "restarted b", "restarted c" }));
    EXPECT_EQ(storyAfterStep.front(), 1u) << "the first step shows the kill, and only that";
    EXPECT_GE(steps, 4) << "one step at a time, not the whole cascade at once";
    // Each step shows a little of the story: the supervisor's restart of the three is one slice.
    size_t prev = 0;
    for (size_t i = 0; i < storyAfterStep.size(); ++i) {
        EXPECT_LE(storyAfterStep[i] - prev, 3u) << "step " << i << ": " << ::testing::PrintToString(story);
        prev = storyAfterStep[i];
    }
    window->graphView()->flushLayout();
    EXPECT_FALSE(node(*window, before[0])->alive);
    EXPECT_FALSE(node(*window, before[2])->alive);

    // Resume: the restarted children run on their own.
    window->setPaused(false);
    EXPECT_FALSE(runtime->paused());
    EXPECT_FALSE(window->action(QStringLiteral("actionPause"))->isChecked());
    EXPECT_FALSE(step->isEnabled());
    settle(*window);
    const std::vector<uint64_t> after = node(*window, supPid)->children.toVector();
    int freshAlive = 0;
    for (uint64_t c : after) {
        const GraphNode* n = node(*window, c);
        freshAlive += n && n->alive && std::find(before.begin(), before.end(), c) == before.end();
    }
    EXPECT_EQ(freshAlive, 3);
}

// Journey 9: the palette's flood: a producer sends a million messages to a slow consumer. The window keeps turning,
// the badge and the chart of the consumer's mailbox show the depth growing, nothing crashes.
TEST_F(WindowTest, FloodOfAMillionMessagesKeepsTheWindowResponsive)
{
    // The model testers check every row on every change; this is about the window under load.
    tableTester.reset();
    logTester.reset();
    auto* tabs = window->findChild<QTabWidget*>(QStringLiteral("bottomTabs"));
    ASSERT_NE(tabs, nullptr);
    tabs->setCurrentWidget(window->charts()); // the user looks at the charts

    QAction* flood = window->findChild<QAction*>(QStringLiteral("spawn_flood"));
    ASSERT_NE(flood, nullptr);
    flood->trigger();
    uint64_t consumer = 0;
    ASSERT_TRUE(vigil::test::waitFor([&] {
        consumer = window->selection().size() == 1 ? window->selection().front() : 0;
        return consumer != 0;
    })) << "the flooded consumer is selected";
    EXPECT_EQ(node(*window, consumer)->extras().label, "flood consumer");

    // The GUI thread's heartbeat: a 20 ms timer whose worst gap is measured while the flood runs.
    QElapsedTimer beat;
    beat.start();
    qint64 last = 0;
    qint64 worstGap = 0;
    QTimer heartbeat;
    heartbeat.setInterval(20);
    QObject::connect(&heartbeat, &QTimer::timeout, [&] {
        const qint64 now = beat.elapsed();
        worstGap = std::max(worstGap, now - last);
        last = now;
    });
    heartbeat.start();

    GraphView* g = window->graphView();
    auto badge = [&] {
        NodeItem* item = g->itemFor(consumer);
        return item ? item->mailbox() : -1;
    };
    // The badge climbs as the frames go by. (Once the producer is done the consumer drains, slowly: a loaded
    // machine may show the window a little of that too, so rises are counted rather than every step required.)
    std::vector<int64_t> badges;
    auto rises = [&] {
        int n = 0;
        for (size_t i = 1; i < badges.size(); ++i)
            n += badges[i] > badges[i - 1];
        return n;
    };
    ASSERT_TRUE(vigil::test::waitFor([&] {
        const int64_t b = badge();
        if (b > 0 && (badges.empty() || b != badges.back()))
            badges.push_back(b);
        return rises() >= 2 && badges.back() >= 100000;
    }, 20000)) << "badge samples: " << ::testing::PrintToString(badges);
    EXPECT_GT(badges.back(), badges.front());

    // The chart of the selection's mailbox shows the same rise, a point a second.
    auto chartRising = [&] {
        const QList<QPointF> pts = window->charts()->mailboxPoints();
        return pts.size() >= 2 && pts.back().y() > pts.front().y() && pts.back().y() >= 10000;
    };
    ASSERT_TRUE(vigil::test::waitFor(chartRising, 10000)) << window->charts()->mailboxPoints().size() << " points";
    // Titled with the pid as text (a chart title is rich text: unescaped, "<0.81.0>" vanished as a tag), over a
    // window short enough for the first seconds to be seen.
    EXPECT_TRUE(window->charts()->mailboxTitle().contains(
        QStringLiteral("Mailbox of %1 (flood consumer)").arg(QString::fromStdString(pidText(consumer)).toHtmlEscaped())))
        << window->charts()->mailboxTitle().toStdString();
    EXPECT_EQ(window->charts()->windowSeconds(), 30);

    // The flood reaches its million; the window and the processes are still there.
    ASSERT_TRUE(vigil::test::waitFor([&] {
        auto d = runtime->detail(*runtime->pidFor(consumer), 1);
        return d && d->summary.messagesIn + d->summary.messageQueueLen >= uint64_t(kFloodMessages);
    }, 30000)) << "the producer sent all its messages";
    heartbeat.stop();
    std::cerr << "worst GUI heartbeat gap during the flood: " << worstGap << " ms\n";
    EXPECT_LT(worstGap, 1000) << "the event loop kept turning";
    EXPECT_TRUE(node(*window, consumer)->alive);
    window->bridge()->drainNow();
    EXPECT_GT(node(*window, consumer)->mailbox, 500000);
    // The window's own memory stays bounded: the event log is a ring, the inspector keeps a page of messages.
    EXPECT_LE(size_t(window->eventLogModel()->rowCount()), window->eventLogModel()->capacity());
    EXPECT_LE(window->bridge()->watchedMessages().size(), 100u);
    EXPECT_LE(window->bridge()->state().nodes().size(), 10u);
    EXPECT_EQ(inspectorRows(*window, InspectorModel::Mailbox).size(), 100);
    EXPECT_TRUE(window->inspector()->model()->sectionTitle(InspectorModel::Mailbox).contains(QLatin1String("first 100 shown")));

    // Killing the consumer stops the flood: its producer is linked to it.
    window->action(QStringLiteral("actionKill"))->trigger();
    ASSERT_TRUE(vigil::test::waitFor([&] { return !node(*window, consumer)->alive; }));
    EXPECT_EQ(node(*window, consumer)->extras().exitReason, ":killed");
}

// Journey 7: an iex snippet from a seed article, pasted into the console: spawn_link a process that crashes. It
// runs, the processes appear in the graph, the shell dies and restarts like iex, and the pids printed are links.
TEST_F(WindowTest, ConsoleSpawnLinkOfACrashingProcessRestartsTheShellLikeIex)
{
    const std::shared_ptr<void> session = attachScriptConsole(window->console(), *runtime);
    if (!session)
        GTEST_SKIP() << "this build has no Elixir interpreter";
    ConsoleWidget* console = window->console();
    auto* input = console->findChild<QLineEdit*>(QStringLiteral("consoleInput"));
    auto* output = console->findChild<QTextBrowser*>(QStringLiteral("consoleOutput"));
    ASSERT_NE(input, nullptr);
    ASSERT_NE(output, nullptr);
    auto type = [&](const QString& line) {
        input->setFocus();
        input->setText(line); // pasted
        QTest::keyClick(input, Qt::Key_Return);
    };
    // A result line (the shell's reply to the input echoed last), not a log report that arrives on its own time.
    static const QRegularExpression resultRe(QStringLiteral("^#PID<0\\.(\\d+)\\.0>$"),
        QRegularExpression::MultilineOption);
    auto resultAfter = [&](const QString& echo) -> uint64_t {
        const QString text = console->plainText();
        const int at = int(text.lastIndexOf(echo));
        if (at < 0)
            return 0;
        const auto m = resultRe.match(text, at);
        return m.hasMatch() ? m.captured(1).toULongLong() : 0;
    };

    // The shell, as the graph knows it: the process evaluating self().
    type(QStringLiteral("self()"));
    uint64_t shell = 0;
    ASSERT_TRUE(vigil::test::waitFor([&] {
        shell = resultAfter(QStringLiteral("> self()"));
        return shell != 0 && node(*window, shell) != nullptr;
    })) << console->plainText().toStdString();
    EXPECT_TRUE(node(*window, shell)->alive);

    const int before = int(console->plainText().size());
    type(QStringLiteral("pid = spawn_link(fn -> raise \"boom\" end)"));
    // iex's report: the shell was taken down by the link, and a new one took its place.
    ASSERT_TRUE(vigil::test::waitFor([&] { return console->plainText().mid(before).contains(QLatin1String("** (EXIT from ")); }))
        << console->plainText().mid(before).toStdString();
    ASSERT_TRUE(vigil::test::waitFor([&] { return !node(*window, shell)->alive; }));
    const QString report = console->plainText().mid(before);
    // The result line: the pid spawn_link returned.
    const uint64_t crashed = resultAfter(QStringLiteral("> pid = spawn_link("));
    ASSERT_NE(crashed, 0u) << report.toStdString();
    EXPECT_NE(crashed, shell);
    EXPECT_TRUE(report.contains(QStringLiteral("** (EXIT from #PID<0.%1.0>)").arg(shell))) << report.toStdString();
    EXPECT_TRUE(report.contains(QLatin1String("boom"))) << report.toStdString();
    EXPECT_NE(node(*window, shell)->extras().exitReason, ":normal");

    // The shell works again, as a new process; the old variable binding went with the old shell.
    type(QStringLiteral("self()"));
    uint64_t fresh = 0;
    ASSERT_TRUE(vigil::test::waitFor([&] {
        fresh = resultAfter(QStringLiteral("> self()"));
        return fresh != 0 && fresh != shell && node(*window, fresh) != nullptr;
    })) << console->plainText().toStdString();
    EXPECT_NE(fresh, shell);
    EXPECT_TRUE(node(*window, fresh)->alive);

    // The crashed process appeared in the graph state, spawned by the old shell, dead with its error; the pids
    // printed are links.
    ASSERT_NE(node(*window, crashed), nullptr) << "the spawned process is known to the graph";
    EXPECT_EQ(node(*window, crashed)->spawner, shell);
    EXPECT_FALSE(node(*window, crashed)->alive);
    EXPECT_TRUE(QString::fromStdString(node(*window, crashed)->extras().exitReason).contains(QLatin1String("boom")))
        << node(*window, crashed)->extras().exitReason;
    for (uint64_t p : { crashed, fresh }) {
        EXPECT_TRUE(output->toHtml().contains(QStringLiteral("pid:%1").arg(p)));
        Q_EMIT output->anchorClicked(QUrl(QStringLiteral("pid:%1").arg(p)));
        EXPECT_EQ(window->selection(), QList<uint64_t>({ p }));
    }
}

// Two exit signals reaching one process together: their bubbles are stacked, not drawn on one spot.
TEST_F(WindowTest, BubblesOfSignalsToOneProcessDoNotCoverEachOther)
{
    const uint64_t trapper = serial(spawn("keeper"));
    const uint64_t a = serial(spawn("idle"));
    const uint64_t b = serial(spawn("idle"));
    settle(*window);
    for (uint64_t p : { a, b }) {
        window->setSelection({ trapper, p });
        window->action(QStringLiteral("actionLink"))->trigger();
    }
    settle(*window);
    window->setSelection({ a, b });
    window->action(QStringLiteral("actionKill"))->trigger();
    std::vector<QRectF> bubbles;
    ASSERT_TRUE(vigil::test::waitFor([&] {
        bubbles.clear();
        for (QGraphicsItem* item : window->graphView()->scene()->items())
            if (item->type() == EffectItem::Type && static_cast<EffectItem*>(item)->text().startsWith(QLatin1String("trapped")))
                bubbles.push_back(static_cast<EffectItem*>(item)->bubbleRect());
        return bubbles.size() == 2;
    })) << window->graphView()->activeEffectTexts().join(QStringLiteral(" | ")).toStdString();
    EXPECT_FALSE(bubbles[0].intersects(bubbles[1])) << "one above the other";
    EXPECT_EQ(bubbles[0].center().x(), bubbles[1].center().x()) << "both over the trapping process";
}
