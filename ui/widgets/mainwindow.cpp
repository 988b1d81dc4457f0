#include "mainwindow.h"

#include "builtinprocesses.h"
#include "chartswidget.h"
#include "consolewidget.h"
#include "eventformat.h"
#include "eventlogmodel.h"
#include "eventlogwidget.h"
#include "graphview.h"
#include "inspectorwidget.h"
#include "messagedialog.h"
#include "processtablemodel.h"
#include "processtablewidget.h"
#include "term/print.h"
#include "theme.h"
#include "tracebridge.h"

#include "otp/dynamicsupervisor.h"
#include "otp/supervisor.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QFileDialog>
#include <QKeySequence>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPointer>
#include <QSettings>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QThread>
#include <QThreadPool>
#include <QToolBar>
#include <QToolButton>

// Resources of a static library are registered by hand.
static void initVigilResources() { Q_INIT_RESOURCE(vigil); }

namespace vigil {

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

QString termText(const Term& t)
{
    InspectOptions o;
    o.limitChars = 200;
    return qs(inspect(t, o));
}

} // namespace

MainWindow::MainWindow(Runtime& runtime, QWidget* parent)
    : QMainWindow(parent)
    , m_runtime(runtime)
    , m_bridge(new TraceBridge(
          runtime.subscribe(), [&runtime] { return runtime.snapshot(); }, this))
    , m_tableModel(nullptr)
    , m_eventModel(new EventLogModel(this))
    , m_graph(nullptr)
    , m_table(nullptr)
    , m_inspector(nullptr)
    , m_eventLog(nullptr)
    , m_charts(nullptr)
    , m_console(nullptr)
    , m_statusAlive(new QLabel(this))
    , m_statusRate(new QLabel(this))
    , m_statusDropped(new QLabel(this))
    , m_statusMode(new QLabel(this))
{
    initVigilResources();
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Vigil — process observer"));
    setWindowIcon(QIcon(QStringLiteral(":/vigil/vigil.svg")));
    setDockOptions(AnimatedDocks | AllowTabbedDocks | AllowNestedDocks);

    m_bridge->start();
    m_tableModel = new ProcessTableModel(&m_bridge->state(), this);
    m_graph = new GraphView(&m_bridge->state(), this);
    setCentralWidget(m_graph);
    m_table = new ProcessTableWidget(m_tableModel, this);
    m_inspector = new InspectorWidget(
        m_bridge, [this](uint64_t pid) -> std::optional<ProcessDetail> {
            auto t = m_runtime.pidFor(pid);
            if (!t)
                return std::nullopt;
            return m_runtime.detail(*t, 100);
        },
        this);
    m_eventLog = new EventLogWidget(m_eventModel, this);
    m_charts = new ChartsWidget(&m_bridge->stats(), this);
    m_console = new ConsoleWidget(this);

    buildActions();
    buildMenus();
    buildToolbar();
    buildDocks();
    buildStatusBar();

    connect(m_bridge, &TraceBridge::updated, this, [this](const GraphDelta& d) {
        m_tableModel->applyDelta(d);
        m_graph->applyDelta(d);
        onBridgeUpdated();
    });
    connect(m_bridge, &TraceBridge::eventsDrained, m_eventModel, &EventLogModel::append);
    connect(m_bridge, &TraceBridge::statsSampled, this, [this] {
        if (m_charts->isVisible())
            m_charts->refresh();
        updateStatusBar();
    });
    connect(m_bridge, &TraceBridge::eventsLost, this, [this](quint64 n) {
        // A storm loses events at every drain until it passes: say so once, not thirty times a second.
        m_lostSinceReport += n;
        if (m_lostReportClock.isValid() && m_lostReportClock.elapsed() < 3000)
            return;
        m_lostReportClock.start();
        report(tr("%1 trace events were lost (the engine outran the window); the view is resynchronised from a "
                  "snapshot when the burst is over.")
                   .arg(QLocale().toString(qulonglong(std::exchange(m_lostSinceReport, 0)))),
            true);
    });

    connect(m_graph, &GraphView::selectionChangedByUser, this, [this](const QList<uint64_t>& p) {
        m_selectWhenShown = 0;
        setSelection(p);
    });
    connect(m_table, &ProcessTableWidget::selectionChangedByUser, this, [this](const QList<uint64_t>& p) {
        m_selectWhenShown = 0;
        setSelection(p);
        if (p.size() == 1)
            m_graph->focusPid(p.front());
    });
    connect(m_graph, &GraphView::contextMenuRequested, this, &MainWindow::showContextMenu);
    connect(m_table, &ProcessTableWidget::contextMenuRequested, this, &MainWindow::showContextMenu);
    connect(m_inspector, &InspectorWidget::pidActivated, this, &MainWindow::focusPid);
    connect(m_eventLog, &EventLogWidget::pidActivated, this, &MainWindow::focusPid);
    connect(m_console, &ConsoleWidget::pidActivated, this, &MainWindow::focusPid);

    m_stepTimer.setSingleShot(false);
    connect(&m_stepTimer, &QTimer::timeout, this, [this] {
        m_runtime.stepPaused();
    });
    m_statusTimer.setInterval(1000);
    connect(&m_statusTimer, &QTimer::timeout, this, &MainWindow::updateStatusBar);
    m_statusTimer.start();

    // Whatever the snapshot in start() produced.
    m_tableModel->applyDelta(m_bridge->state().takeDelta());
    m_graph->applyDelta({});
    resize(1500, 940);
    resizeDocks({ findChild<QDockWidget*>(QStringLiteral("inspectorDock")) }, { 340 }, Qt::Horizontal);
    resizeDocks({ findChild<QDockWidget*>(QStringLiteral("processDock")), findChild<QDockWidget*>(QStringLiteral("bottomDock")) },
        { 560, 940 }, Qt::Horizontal);
    resizeDocks({ findChild<QDockWidget*>(QStringLiteral("bottomDock")) }, { 260 }, Qt::Vertical);
    updateActions();
    updateStatusBar();
}

MainWindow::~MainWindow()
{
    *m_alive = false;
    m_stepTimer.stop();
    if (m_paused)
        m_runtime.resume();
    // Background supervisor calls hold a reference to the runtime; let them finish first.
    QThreadPool::globalInstance()->waitForDone(6000);
}

void MainWindow::assertGuiThread() const
{
    Q_ASSERT_X(QThread::currentThread() == thread(), "MainWindow", "GUI thread only");
}

QAction* MainWindow::action(const QString& objectName) const { return findChild<QAction*>(objectName); }

Term MainWindow::pidTerm(uint64_t serial) const
{
    auto t = m_runtime.pidFor(serial);
    return t ? *t : Term();
}

QString MainWindow::describe(uint64_t pid) const
{
    const GraphNode* n = m_bridge->state().node(pid);
    QString s = qs(pidText(pid));
    if (n && !n->displayName().empty())
        s += QStringLiteral(" (%1)").arg(qs(n->displayName()));
    return s;
}

void MainWindow::report(const QString& message, bool error)
{
    m_lastMessage = message;
    statusBar()->showMessage(message, error ? 10000 : 5000);
    if (error)
        m_console->appendOutput(message, ConsoleWidget::OutputKind::Info);
}

void MainWindow::buildActions()
{
    auto make = [this](const char* name, const QString& text, const QKeySequence& key, const QString& tip,
                    QStyle::StandardPixmap icon = QStyle::SP_CustomBase) {
        auto* a = new QAction(text, this);
        a->setObjectName(QString::fromLatin1(name));
        if (!key.isEmpty())
            a->setShortcut(key);
        a->setToolTip(key.isEmpty() ? tip : QStringLiteral("%1 (%2)").arg(tip, key.toString(QKeySequence::NativeText)));
        a->setStatusTip(tip);
        if (icon != QStyle::SP_CustomBase)
            a->setIcon(style()->standardIcon(icon));
        a->setShortcutContext(Qt::WindowShortcut);
        addAction(a);
        return a;
    };
    connect(make("actionSend", tr("Send…"), QKeySequence(Qt::CTRL | Qt::Key_M), tr("Send a message to the selected process"),
                QStyle::SP_ArrowForward),
        &QAction::triggered, this, [this] { openSendDialog(); });
    connect(make("actionExit", tr("Exit…"), QKeySequence(Qt::CTRL | Qt::Key_E),
                tr("Send an exit signal with a reason (normal, shutdown, kill or any term)"), QStyle::SP_BrowserStop),
        &QAction::triggered, this, [this] { openExitDialog(); });
    connect(make("actionKill", tr("Kill"), QKeySequence(Qt::Key_Delete), tr("Process.exit(pid, :kill) the selection"),
                QStyle::SP_DialogCancelButton),
        &QAction::triggered, this, &MainWindow::killSelected);
    connect(make("actionLink", tr("Link"), QKeySequence(Qt::CTRL | Qt::Key_L), tr("Link the two selected processes")),
        &QAction::triggered, this, &MainWindow::linkSelected);
    connect(make("actionUnlink", tr("Unlink"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L),
                tr("Unlink the two selected processes")),
        &QAction::triggered, this, &MainWindow::unlinkSelected);
    connect(make("actionMonitor", tr("Monitor"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M),
                tr("The first selected process monitors the second")),
        &QAction::triggered, this, &MainWindow::monitorSelected);
    connect(make("actionTerminateChild", tr("Terminate child"), {}, tr("Supervisor.terminate_child for the selected child")),
        &QAction::triggered, this, &MainWindow::terminateSelectedChild);
    connect(make("actionRestartChild", tr("Restart child"), {}, tr("Supervisor.restart_child for the selected (terminated) child")),
        &QAction::triggered, this, &MainWindow::restartSelectedChild);
    auto* pause = make("actionPause", tr("Pause"), QKeySequence(Qt::Key_Space), tr("Pause or resume the engine"),
        QStyle::SP_MediaPause);
    pause->setCheckable(true);
    connect(pause, &QAction::toggled, this, &MainWindow::setPaused);
    connect(make("actionStep", tr("Step"), QKeySequence(Qt::Key_Period), tr("Run one process slice while paused"),
                QStyle::SP_MediaSkipForward),
        &QAction::triggered, this, &MainWindow::stepOnce);
    connect(make("actionFit", tr("Fit"), QKeySequence(Qt::Key_F), tr("Fit the graph into the window")), &QAction::triggered,
        m_graph, &GraphView::fitAll);
    connect(make("actionZoomIn", tr("Zoom in"), QKeySequence::ZoomIn, tr("Zoom in")), &QAction::triggered, this,
        [this] { m_graph->zoomBy(1.25); });
    connect(make("actionZoomOut", tr("Zoom out"), QKeySequence::ZoomOut, tr("Zoom out")), &QAction::triggered, this,
        [this] { m_graph->zoomBy(0.8); });
    connect(make("actionZoomReset", tr("Actual size"), QKeySequence(Qt::CTRL | Qt::Key_0), tr("Zoom to 100%")),
        &QAction::triggered, m_graph, &GraphView::resetZoom);
    connect(make("actionCollapse", tr("Collapse / expand"), QKeySequence(Qt::Key_C), tr("Collapse or expand the selected subtree")),
        &QAction::triggered, this, [this] {
            for (uint64_t p : m_selection)
                m_graph->setCollapsed(p, !m_graph->isCollapsed(p));
        });
    connect(make("actionExpandAll", tr("Expand all"), {}, tr("Expand every collapsed subtree")), &QAction::triggered, m_graph,
        &GraphView::expandAll);
    connect(make("actionClearDead", tr("Clear dead"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_K),
                tr("Forget processes that exited"), QStyle::SP_TrashIcon),
        &QAction::triggered, this, &MainWindow::clearDead);
    auto* links = make("actionShowLinks", tr("Links"), {}, tr("Show link edges"));
    links->setCheckable(true);
    links->setChecked(true);
    connect(links, &QAction::toggled, m_graph, &GraphView::setShowLinks);
    auto* monitors = make("actionShowMonitors", tr("Monitors"), {}, tr("Show monitor edges"));
    monitors->setCheckable(true);
    monitors->setChecked(true);
    connect(monitors, &QAction::toggled, m_graph, &GraphView::setShowMonitors);
    auto* legend = make("actionShowLegend", tr("Legend"), {}, tr("Show the legend"));
    legend->setCheckable(true);
    legend->setChecked(true);
    connect(legend, &QAction::toggled, m_graph, &GraphView::setShowLegend);
    auto* dark = make("actionDarkTheme", tr("Dark theme"), {}, tr("Switch between light and dark colours"));
    dark->setCheckable(true);
    connect(dark, &QAction::toggled, this, &MainWindow::setDarkTheme);
    connect(make("actionExportPng", tr("Export graph as PNG…"), {}, tr("Save the whole graph as a PNG image")),
        &QAction::triggered, this, [this] {
            const QString p = QFileDialog::getSaveFileName(this, tr("Export graph"), QStringLiteral("vigil-graph.png"),
                tr("PNG image (*.png)"));
            if (!p.isEmpty() && !exportGraph(p))
                QMessageBox::warning(this, tr("Export failed"), tr("Could not write %1").arg(p));
        });
    connect(make("actionExportSvg", tr("Export graph as SVG…"), {}, tr("Save the whole graph as an SVG drawing")),
        &QAction::triggered, this, [this] {
            const QString p = QFileDialog::getSaveFileName(this, tr("Export graph"), QStringLiteral("vigil-graph.svg"),
                tr("SVG drawing (*.svg)"));
            if (!p.isEmpty() && !exportGraph(p))
                QMessageBox::warning(this, tr("Export failed"), tr("Could not write %1").arg(p));
        });
    connect(make("actionQuit", tr("Quit"), QKeySequence::Quit, tr("Quit Vigil")), &QAction::triggered, this,
        &QWidget::close);
    connect(make("actionSearch", tr("Find process"), QKeySequence::Find, tr("Search by pid or name")), &QAction::triggered,
        this, [this] {
            m_search->setFocus();
            m_search->selectAll();
        });

    m_spawnMenu = new QMenu(tr("Spawn"), this);
    m_spawnMenu->setObjectName(QStringLiteral("spawnMenu"));
    m_startChildMenu = new QMenu(tr("Start child"), this);
    m_startChildMenu->setObjectName(QStringLiteral("startChildMenu"));
    for (const BuiltinProcess& b : builtinProcesses()) {
        const QString id = qs(b.id);
        QAction* a = m_spawnMenu->addAction(qs(b.title));
        a->setObjectName(QStringLiteral("spawn_") + id);
        a->setToolTip(qs(b.description));
        connect(a, &QAction::triggered, this, [this, id] { spawnBuiltin(id); });
        if (builtinChildSpec(b.id, Term())) {
            QAction* c = m_startChildMenu->addAction(qs(b.title));
            c->setObjectName(QStringLiteral("startChild_") + id);
            connect(c, &QAction::triggered, this, [this, id] { startChildInSelected(id); });
        }
    }
    m_spawnMenu->setToolTipsVisible(true);
}

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(action(QStringLiteral("actionExportPng")));
    file->addAction(action(QStringLiteral("actionExportSvg")));
    file->addSeparator();
    file->addAction(action(QStringLiteral("actionQuit")));

    QMenu* proc = menuBar()->addMenu(tr("&Process"));
    for (const char* n : { "actionSend", "actionExit", "actionKill" })
        proc->addAction(action(QString::fromLatin1(n)));
    proc->addSeparator();
    proc->addMenu(m_spawnMenu);
    proc->addSeparator();
    for (const char* n : { "actionLink", "actionUnlink", "actionMonitor" })
        proc->addAction(action(QString::fromLatin1(n)));
    proc->addSeparator();
    proc->addAction(action(QStringLiteral("actionClearDead")));

    QMenu* sup = menuBar()->addMenu(tr("&Supervisor"));
    sup->addAction(action(QStringLiteral("actionTerminateChild")));
    sup->addAction(action(QStringLiteral("actionRestartChild")));
    sup->addMenu(m_startChildMenu);

    QMenu* engine = menuBar()->addMenu(tr("&Engine"));
    engine->addAction(action(QStringLiteral("actionPause")));
    engine->addAction(action(QStringLiteral("actionStep")));

    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (const char* n : { "actionFit", "actionZoomIn", "actionZoomOut", "actionZoomReset", "actionCollapse",
             "actionExpandAll", "actionSearch" })
        view->addAction(action(QString::fromLatin1(n)));
    view->addSeparator();
    for (const char* n : { "actionShowLinks", "actionShowMonitors", "actionShowLegend", "actionDarkTheme" })
        view->addAction(action(QString::fromLatin1(n)));
    view->addSeparator();
    m_bottomTabs = nullptr;
}

void MainWindow::buildToolbar()
{
    QToolBar* tb = addToolBar(tr("Actions"));
    tb->setObjectName(QStringLiteral("mainToolbar"));
    tb->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    tb->setIconSize(QSize(16, 16));
    tb->setMovable(true);
    for (const char* n : { "actionSend", "actionExit", "actionKill" })
        tb->addAction(action(QString::fromLatin1(n)));
    auto* spawn = new QToolButton(tb);
    spawn->setText(tr("Spawn"));
    spawn->setIcon(style()->standardIcon(QStyle::SP_FileDialogNewFolder));
    spawn->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    spawn->setPopupMode(QToolButton::InstantPopup);
    spawn->setMenu(m_spawnMenu);
    spawn->setObjectName(QStringLiteral("spawnButton"));
    tb->addWidget(spawn);
    tb->addSeparator();
    for (const char* n : { "actionLink", "actionUnlink", "actionMonitor" })
        tb->addAction(action(QString::fromLatin1(n)));
    tb->addSeparator();
    tb->addAction(action(QStringLiteral("actionPause")));
    tb->addAction(action(QStringLiteral("actionStep")));
    m_speed = new QComboBox(tb);
    m_speed->setObjectName(QStringLiteral("speedBox"));
    m_speed->setToolTip(tr("Engine speed: slow motion steps the paused engine"));
    m_speed->addItem(tr("Full speed"), 0);
    m_speed->addItem(tr("Slow · 50 steps/s"), 50);
    m_speed->addItem(tr("Slower · 10 steps/s"), 10);
    m_speed->addItem(tr("Crawl · 2 steps/s"), 2);
    connect(m_speed, &QComboBox::currentIndexChanged, this, [this](int i) { setSpeed(m_speed->itemData(i).toInt()); });
    tb->addWidget(m_speed);
    tb->addSeparator();
    tb->addAction(action(QStringLiteral("actionFit")));
    tb->addAction(action(QStringLiteral("actionShowLinks")));
    tb->addAction(action(QStringLiteral("actionShowMonitors")));
    tb->addAction(action(QStringLiteral("actionClearDead")));
    tb->addSeparator();
    m_search = new QLineEdit(tb);
    m_search->setObjectName(QStringLiteral("searchBox"));
    m_search->setPlaceholderText(tr("Find pid or name…"));
    m_search->setClearButtonEnabled(true);
    m_search->setMaximumWidth(220);
    connect(m_search, &QLineEdit::returnPressed, this, [this] {
        const QString q = m_search->text().trimmed();
        if (q.isEmpty())
            return;
        // A pid in any common spelling: #PID<0.85.0>, <0.85.0>, 0.85.0, 85.
        static const QRegularExpression pidRe(QStringLiteral("^(?:#PID)?<?0\\.(\\d+)\\.0>?$|^(\\d+)$"));
        const auto m = pidRe.match(q);
        if (m.hasMatch()) {
            const uint64_t pid = (m.captured(1).isEmpty() ? m.captured(2) : m.captured(1)).toULongLong();
            if (!focusPid(pid))
                report(tr("No process %1 in the graph").arg(qs(pidText(pid))), true);
            return;
        }
        for (const auto& [pid, n] : m_bridge->state().nodes()) {
            if (n.inTree && QString::fromStdString(n.displayName()).contains(q, Qt::CaseInsensitive)) {
                focusPid(pid);
                return;
            }
        }
        report(tr("No process named like \"%1\"").arg(q), true);
    });
    tb->addWidget(m_search);
}

void MainWindow::buildDocks()
{
    // The table sits under the graph, beside the console and event log: there it is wide enough for every column,
    // and the graph gets the window's width for the tree.
    auto* left = new QDockWidget(tr("Processes"), this);
    left->setObjectName(QStringLiteral("processDock"));
    left->setWidget(m_table);
    addDockWidget(Qt::BottomDockWidgetArea, left);
    auto* right = new QDockWidget(tr("Inspector"), this);
    right->setObjectName(QStringLiteral("inspectorDock"));
    right->setWidget(m_inspector);
    addDockWidget(Qt::RightDockWidgetArea, right);

    m_bottomTabs = new QTabWidget(this);
    m_bottomTabs->setObjectName(QStringLiteral("bottomTabs"));
    m_bottomTabs->setDocumentMode(true);
    m_bottomTabs->addTab(m_console, tr("Console"));
    m_bottomTabs->addTab(m_eventLog, tr("Event log"));
    m_bottomTabs->addTab(m_charts, tr("Charts"));
    m_bottomTabs->setCurrentWidget(m_eventLog);
    connect(m_bottomTabs, &QTabWidget::currentChanged, this, [this] {
        if (m_bottomTabs->currentWidget() == m_charts)
            m_charts->refresh();
    });
    auto* bottom = new QDockWidget(tr("Console · Events · Charts"), this);
    bottom->setObjectName(QStringLiteral("bottomDock"));
    bottom->setWidget(m_bottomTabs);
    addDockWidget(Qt::BottomDockWidgetArea, bottom);
    splitDockWidget(left, bottom, Qt::Horizontal);

    QMenu* view = nullptr;
    for (QAction* a : menuBar()->actions())
        if (a->menu() && a->text() == tr("&View"))
            view = a->menu();
    if (view) {
        for (QDockWidget* d : { left, right, bottom })
            view->addAction(d->toggleViewAction());
    }
}

void MainWindow::buildStatusBar()
{
    for (QLabel* l : { m_statusAlive, m_statusRate, m_statusDropped, m_statusMode }) {
        l->setMargin(2);
        statusBar()->addPermanentWidget(l);
    }
    m_statusAlive->setObjectName(QStringLiteral("statusAlive"));
    m_statusRate->setObjectName(QStringLiteral("statusRate"));
    m_statusDropped->setObjectName(QStringLiteral("statusDropped"));
    m_statusMode->setObjectName(QStringLiteral("statusMode"));
}

void MainWindow::updateStatusBar()
{
    const QLocale loc;
    QString alive = tr("%1 processes alive").arg(loc.toString(qulonglong(m_bridge->state().aliveCount())));
    if (const uint64_t folded = m_bridge->state().foldedCount())
        alive += tr(" · %1 short-lived not listed").arg(loc.toString(qulonglong(folded)));
    m_statusAlive->setText(alive);
    m_statusAlive->setToolTip(tr("Processes that were born and died between two refreshes of the window, beyond the "
                                 "last few of each refresh, are counted but not listed or drawn."));
    m_statusRate->setText(tr("%1 msgs/s").arg(loc.toString(m_bridge->stats().lastMessageRate(), 'f', 0)));
    const uint64_t dropped = m_bridge->eventsDropped();
    m_statusDropped->setVisible(dropped > 0);
    m_statusDropped->setText(tr("<span style='color:%1'>%2 events dropped</span>")
                                 .arg(Theme::current().signalKill.name())
                                 .arg(loc.toString(qulonglong(dropped))));
    QString mode;
    if (m_runtime.deterministic())
        mode = tr("deterministic");
    else if (m_paused && m_stepsPerSecond > 0)
        mode = tr("slow motion · %1 steps/s").arg(m_stepsPerSecond);
    else if (m_paused)
        mode = tr("paused · stepping");
    else
        mode = tr("threaded · %1 workers").arg(m_runtime.config().workers ? m_runtime.config().workers : QThread::idealThreadCount());
    m_statusMode->setText(tr("engine: %1").arg(mode));
}

void MainWindow::onBridgeUpdated()
{
    const GraphState& st = m_bridge->state();
    if (m_selectWhenShown) {
        if (const GraphNode* n = st.node(m_selectWhenShown)) {
            const uint64_t pid = std::exchange(m_selectWhenShown, 0);
            if (n->alive) {
                focusPid(pid);
                return;
            }
        }
    }
    // A selected process that a supervisor restarted while it was selected hands the selection to its successor
    // (the inspector then shows the new process and its fresh state); a dead one picked on purpose stays picked.
    // One that vanished from the state is deselected.
    QList<uint64_t> kept;
    for (uint64_t p : m_selection) {
        const GraphNode* n = st.node(p);
        const bool follow = m_selectedAlive.contains(p);
        for (int hops = 0; follow && n && !n->alive && n->extras().replacedBy && hops < 16; ++hops) {
            const GraphNode* next = st.node(n->extras().replacedBy);
            if (!next)
                break;
            p = n->extras().replacedBy;
            n = next;
        }
        if (n && !kept.contains(p))
            kept.append(p);
    }
    if (kept != m_selection)
        setSelection(kept);
    else
        updateActions();
}

void MainWindow::setSelection(const QList<uint64_t>& pids)
{
    assertGuiThread();
    m_selection = pids;
    m_selectedAlive.clear();
    for (uint64_t p : pids)
        if (const GraphNode* n = m_bridge->state().node(p); n && n->alive)
            m_selectedAlive.insert(p);
    m_graph->setSelectedPids(pids);
    m_table->setSelectedPids(pids);
    const uint64_t current = pids.isEmpty() ? 0 : pids.back();
    m_inspector->setPid(current);
    m_eventLog->setCurrentPid(current);
    m_charts->setWatchedTitle(current ? describe(current) : QString());
    updateActions();
}

bool MainWindow::focusPid(uint64_t pid)
{
    const GraphNode* n = m_bridge->state().node(pid);
    if (!n)
        return false;
    const bool shown = m_graph->focusPid(pid);
    setSelection({ pid });
    return shown || n != nullptr;
}

void MainWindow::updateActions()
{
    const GraphState& st = m_bridge->state();
    auto alive = [&](uint64_t p) {
        const GraphNode* n = st.node(p);
        return n && n->alive;
    };
    const bool one = m_selection.size() == 1;
    const bool anyAlive = std::any_of(m_selection.begin(), m_selection.end(), alive);
    const bool twoAlive = m_selection.size() == 2 && alive(m_selection[0]) && alive(m_selection[1]);
    const GraphNode* n = one ? st.node(m_selection.front()) : nullptr;
    action(QStringLiteral("actionSend"))->setEnabled(one);
    action(QStringLiteral("actionExit"))->setEnabled(one && n && n->alive);
    action(QStringLiteral("actionKill"))->setEnabled(anyAlive);
    action(QStringLiteral("actionLink"))->setEnabled(twoAlive);
    action(QStringLiteral("actionUnlink"))->setEnabled(twoAlive);
    action(QStringLiteral("actionMonitor"))->setEnabled(twoAlive);
    const bool child = n && n->extras().supervisor && !n->extras().childIdTerm.isNilAtom();
    action(QStringLiteral("actionTerminateChild"))->setEnabled(child && n->alive);
    action(QStringLiteral("actionRestartChild"))->setEnabled(child);
    m_startChildMenu->setEnabled(n && n->alive && n->kind == NodeKind::Supervisor);
    action(QStringLiteral("actionStep"))->setEnabled(m_paused);
}

void MainWindow::showContextMenu(uint64_t pid, const QPoint& globalPos)
{
    QMenu menu(this);
    if (pid) {
        menu.addSection(describe(pid));
        for (const char* n : { "actionSend", "actionExit", "actionKill" })
            menu.addAction(action(QString::fromLatin1(n)));
        menu.addSeparator();
        for (const char* n : { "actionLink", "actionUnlink", "actionMonitor" })
            menu.addAction(action(QString::fromLatin1(n)));
        menu.addSeparator();
        menu.addAction(action(QStringLiteral("actionTerminateChild")));
        menu.addAction(action(QStringLiteral("actionRestartChild")));
        menu.addMenu(m_startChildMenu);
        menu.addSeparator();
        menu.addAction(action(QStringLiteral("actionCollapse")));
    } else {
        menu.addMenu(m_spawnMenu);
        menu.addAction(action(QStringLiteral("actionFit")));
        menu.addAction(action(QStringLiteral("actionExpandAll")));
        menu.addAction(action(QStringLiteral("actionClearDead")));
    }
    menu.exec(globalPos);
}

MessageDialog* MainWindow::openSendDialog()
{
    if (m_selection.size() != 1)
        return nullptr;
    const uint64_t pid = m_selection.front();
    QPointer<MainWindow> self(this);
    auto* dlg = new MessageDialog(
        MessageDialog::Mode::Send, describe(pid),
        [this](uint64_t serial, Term& out) {
            auto t = m_runtime.pidFor(serial);
            if (!t)
                return false;
            out = *t;
            return true;
        },
        [this, pid](const Term& msg) -> QString {
            const Term to = pidTerm(pid);
            if (to.isNilAtom())
                return tr("%1 is not a pid this runtime issued").arg(qs(pidText(pid)));
            m_runtime.send(to, msg);
            report(tr("Sent %1 to %2").arg(termText(msg), describe(pid)));
            return {};
        },
        this);
    dlg->termEditor()->setText(QStringLiteral("{:hello, 1}"));
    dlg->termEditor()->editor()->selectAll();
    dlg->open();
    return dlg;
}

MessageDialog* MainWindow::openExitDialog()
{
    if (m_selection.size() != 1)
        return nullptr;
    const uint64_t pid = m_selection.front();
    auto* dlg = new MessageDialog(
        MessageDialog::Mode::Exit, describe(pid),
        [this](uint64_t serial, Term& out) {
            auto t = m_runtime.pidFor(serial);
            if (!t)
                return false;
            out = *t;
            return true;
        },
        [this, pid](const Term& reason) -> QString {
            const Term to = pidTerm(pid);
            if (to.isNilAtom())
                return tr("%1 is not a pid this runtime issued").arg(qs(pidText(pid)));
            m_runtime.exit(to, reason);
            report(tr("Process.exit(%1, %2)").arg(describe(pid), termText(reason)));
            return {};
        },
        this);
    dlg->open();
    return dlg;
}

void MainWindow::killSelected()
{
    int n = 0;
    for (uint64_t pid : m_selection) {
        const GraphNode* node = m_bridge->state().node(pid);
        if (!node || !node->alive)
            continue;
        const Term t = pidTerm(pid);
        if (t.isNilAtom())
            continue;
        m_runtime.exit(t, Term::atom(atoms::kill));
        ++n;
    }
    if (n == 1)
        report(tr("Killed %1").arg(describe(m_selection.front())));
    else if (n > 1)
        report(tr("Killed %1 processes").arg(n));
}

void MainWindow::linkSelected()
{
    if (m_selection.size() != 2)
        return;
    auto r = m_runtime.link(pidTerm(m_selection[0]), pidTerm(m_selection[1]));
    if (!r)
        report(tr("link failed: %1").arg(termText(r.error())), true);
    else
        report(tr("Linked %1 and %2").arg(describe(m_selection[0]), describe(m_selection[1])));
}

void MainWindow::unlinkSelected()
{
    if (m_selection.size() != 2)
        return;
    auto r = m_runtime.unlink(pidTerm(m_selection[0]), pidTerm(m_selection[1]));
    if (!r)
        report(tr("unlink failed: %1").arg(termText(r.error())), true);
    else
        report(tr("Unlinked %1 and %2").arg(describe(m_selection[0]), describe(m_selection[1])));
}

void MainWindow::monitorSelected()
{
    if (m_selection.size() != 2)
        return;
    auto r = m_runtime.monitor(pidTerm(m_selection[0]), pidTerm(m_selection[1]));
    if (!r)
        report(tr("monitor failed: %1").arg(termText(r.error())), true);
    else
        report(tr("%1 monitors %2 (%3)").arg(describe(m_selection[0]), describe(m_selection[1]), termText(*r)));
}

void MainWindow::spawnBuiltin(const QString& id)
{
    // Supervisors and GenServers wait for their init: off the GUI thread. The new process is selected as soon as
    // the graph has it, so the inspector and the mailbox chart show it without a search.
    auto spawned = std::make_shared<uint64_t>(0);
    runInBackground(
        [this, id, spawned]() -> QString {
            auto r = vigil::spawnBuiltin(m_runtime, id.toStdString());
            if (!r)
                return tr("could not start %1").arg(id);
            *spawned = r->pid.pidSerial();
            return tr("Spawned %1 as %2").arg(id, termText(r->pid));
        },
        [this, spawned](const QString& msg) {
            report(msg, msg.startsWith(QLatin1String("could not")));
            m_selectWhenShown = *spawned;
            onBridgeUpdated();
        });
}

void MainWindow::runInBackground(std::function<QString()> work, std::function<void(const QString&)> done)
{
    std::weak_ptr<bool> alive = m_alive;
    QPointer<MainWindow> self(this);
    ++m_pendingJobs;
    QThreadPool::globalInstance()->start([work = std::move(work), done = std::move(done), self, alive] {
        const QString result = work();
        QMetaObject::invokeMethod(
            qApp,
            [self, alive, done, result] {
                if (!self || alive.expired())
                    return;
                --self->m_pendingJobs;
                if (done)
                    done(result);
            },
            Qt::QueuedConnection);
    });
}

void MainWindow::terminateSelectedChild()
{
    if (m_selection.size() != 1)
        return;
    const GraphNode* n = m_bridge->state().node(m_selection.front());
    if (!n || !n->extras().supervisor)
        return;
    const Term sup = pidTerm(n->extras().supervisor);
    const Term id = n->extras().childIdTerm;
    const GraphNode* supNode = m_bridge->state().node(n->extras().supervisor);
    const bool dynamic = supNode && supNode->extras().behaviour.str().find("dynamic") != std::string::npos;
    const Term child = pidTerm(n->pid);
    runInBackground([this, sup, id, dynamic, child]() -> QString {
        // A DynamicSupervisor knows its children by pid, a Supervisor by id.
        auto r = dynamic ? otp::DynamicSupervisor::terminateChild(m_runtime, sup, child)
                         : otp::Supervisor::terminateChild(m_runtime, sup, id);
        return r ? tr("terminate_child(%1): %2").arg(termText(id), termText(*r))
                 : tr("terminate_child(%1) failed: %2").arg(termText(id), termText(r.error()));
    },
        [this](const QString& m) { report(m, m.contains(QLatin1String("error")) || m.contains(QLatin1String("failed"))); });
}

void MainWindow::restartSelectedChild()
{
    if (m_selection.size() != 1)
        return;
    const GraphNode* n = m_bridge->state().node(m_selection.front());
    if (!n || !n->extras().supervisor)
        return;
    const Term sup = pidTerm(n->extras().supervisor);
    const Term id = n->extras().childIdTerm;
    runInBackground([this, sup, id]() -> QString {
        auto r = otp::Supervisor::restartChild(m_runtime, sup, id);
        return r ? tr("restart_child(%1): %2").arg(termText(id), termText(*r))
                 : tr("restart_child(%1) failed: %2").arg(termText(id), termText(r.error()));
    },
        [this](const QString& m) { report(m, m.contains(QLatin1String("error")) || m.contains(QLatin1String("failed"))); });
}

void MainWindow::startChildInSelected(const QString& builtinId)
{
    if (m_selection.size() != 1)
        return;
    const GraphNode* n = m_bridge->state().node(m_selection.front());
    if (!n || n->kind != NodeKind::Supervisor)
        return;
    static int counter = 0;
    const Term childId = Term::tuple({ Term::atom(builtinId.toStdString()), Term::integer(++counter) });
    auto spec = builtinChildSpec(builtinId.toStdString(), childId);
    if (!spec)
        return;
    const Term sup = pidTerm(n->pid);
    const bool dynamic = n->extras().behaviour.str().find("dynamic") != std::string::npos;
    runInBackground([this, sup, spec = *spec, dynamic]() -> QString {
        Expected<Term, Term> r = dynamic ? otp::DynamicSupervisor::startChild(m_runtime, sup, spec)
                                         : otp::Supervisor::startChild(m_runtime, sup, spec);
        return r ? tr("start_child: %1").arg(termText(*r)) : tr("start_child failed: %1").arg(termText(r.error()));
    },
        [this](const QString& m) { report(m, m.contains(QLatin1String("error")) || m.contains(QLatin1String("failed"))); });
}

void MainWindow::setPaused(bool paused)
{
    if (paused == m_paused)
        return;
    m_paused = paused;
    if (paused) {
        m_runtime.pause();
    } else {
        m_stepTimer.stop();
        if (m_speed && m_speed->currentIndex() != 0) {
            const QSignalBlocker block(m_speed);
            m_speed->setCurrentIndex(0);
            m_stepsPerSecond = 0;
        }
        m_runtime.resume();
    }
    QAction* a = action(QStringLiteral("actionPause"));
    {
        const QSignalBlocker block(a);
        a->setChecked(paused);
    }
    a->setText(paused ? tr("Resume") : tr("Pause"));
    a->setIcon(style()->standardIcon(paused ? QStyle::SP_MediaPlay : QStyle::SP_MediaPause));
    updateActions();
    updateStatusBar();
}

void MainWindow::stepOnce()
{
    if (!m_paused)
        return;
    if (!m_runtime.stepPaused()) {
        report(tr("Nothing is runnable right now"));
        m_bridge->drainNow();
        return;
    }
    // Say what the step did: the status bar names its last event (a lifecycle one rather than mail, if any).
    std::vector<TraceEvent> stepped;
    const auto collect = connect(m_bridge, &TraceBridge::eventsDrained, this,
        [&stepped](const std::vector<TraceEvent>& events) { stepped.insert(stepped.end(), events.begin(), events.end()); });
    m_bridge->drainNow();
    disconnect(collect);
    if (stepped.empty()) {
        report(tr("Step: a process ran, nothing traced"));
        return;
    }
    const TraceEvent* shown = &stepped.back();
    for (auto it = stepped.rbegin(); it != stepped.rend(); ++it) {
        if (eventCategory(it->kind) != EventCategory::Messages) {
            shown = &*it;
            break;
        }
    }
    report(tr("Step: %n event(s), the last: %1", nullptr, int(stepped.size())).arg(qs(describeEvent(*shown))));
}

void MainWindow::setSpeed(int stepsPerSecond)
{
    m_stepsPerSecond = stepsPerSecond;
    if (stepsPerSecond <= 0) {
        m_stepTimer.stop();
        setPaused(false);
        return;
    }
    setPaused(true);
    m_stepsPerSecond = stepsPerSecond;
    m_stepTimer.start(std::max(1, 1000 / stepsPerSecond));
    updateStatusBar();
}

void MainWindow::clearDead()
{
    m_bridge->clearDead();
    report(tr("Cleared dead processes"));
}

void MainWindow::setDarkTheme(bool dark)
{
    const Theme t = dark ? Theme::darkTheme() : Theme::light();
    Theme::setCurrent(t);
    qApp->setPalette(t.palette());
    m_graph->applyTheme();
    m_charts->applyTheme();
    m_inspector->refresh();
    QAction* a = action(QStringLiteral("actionDarkTheme"));
    const QSignalBlocker block(a);
    a->setChecked(dark);
}

bool MainWindow::exportGraph(const QString& path)
{
    const bool ok = path.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive) ? m_graph->exportSvg(path)
                                                                              : m_graph->exportPng(path);
    report(ok ? tr("Graph exported to %1").arg(path) : tr("Could not export to %1").arg(path), !ok);
    return ok;
}

void MainWindow::saveSettings() const
{
    QSettings s;
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    s.setValue(QStringLiteral("window/state"), saveState());
    s.setValue(QStringLiteral("view/dark"), Theme::current().dark);
    s.setValue(QStringLiteral("view/links"), m_graph->showLinks());
    s.setValue(QStringLiteral("view/monitors"), m_graph->showMonitors());
    s.setValue(QStringLiteral("view/legend"), m_graph->showLegend());
    s.setValue(QStringLiteral("view/bottomTab"), m_bottomTabs ? m_bottomTabs->currentIndex() : 1);
}

void MainWindow::restoreSettings()
{
    QSettings s;
    if (s.contains(QStringLiteral("window/geometry")))
        restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray());
    if (s.contains(QStringLiteral("window/state")))
        restoreState(s.value(QStringLiteral("window/state")).toByteArray());
    setDarkTheme(s.value(QStringLiteral("view/dark"), false).toBool());
    action(QStringLiteral("actionShowLinks"))->setChecked(s.value(QStringLiteral("view/links"), true).toBool());
    action(QStringLiteral("actionShowMonitors"))->setChecked(s.value(QStringLiteral("view/monitors"), true).toBool());
    action(QStringLiteral("actionShowLegend"))->setChecked(s.value(QStringLiteral("view/legend"), true).toBool());
    if (m_bottomTabs)
        m_bottomTabs->setCurrentIndex(s.value(QStringLiteral("view/bottomTab"), 1).toInt());
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    saveSettings();
    QMainWindow::closeEvent(event);
}

} // namespace vigil
