#pragma once

// The observer window: graph in the centre, process table (left), inspector (right), console / event log /
// charts (bottom tabs), a toolbar with every action, and a status bar with live counters. It talks to the engine
// only through the Runtime's thread-safe API and the trace stream (via TraceBridge). GUI thread only.

#include "runtime/runtime.h"

#include <QElapsedTimer>
#include <QLabel>
#include <QMainWindow>
#include <QSet>
#include <QTimer>

#include <memory>

class QActionGroup;
class QComboBox;
class QLineEdit;
class QMenu;
class QTabWidget;
class QToolButton;

namespace vigil {

class ChartsWidget;
class ConsoleWidget;
class EventLogModel;
class EventLogWidget;
class GraphView;
class InspectorWidget;
class MessageDialog;
class ProcessTableModel;
class ProcessTableWidget;
class TraceBridge;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(Runtime& runtime, QWidget* parent = nullptr);
    ~MainWindow() override;

    Runtime& runtime() { return m_runtime; }
    TraceBridge* bridge() const { return m_bridge; }
    GraphView* graphView() const { return m_graph; }
    ProcessTableWidget* processTable() const { return m_table; }
    ProcessTableModel* processModel() const { return m_tableModel; }
    InspectorWidget* inspector() const { return m_inspector; }
    EventLogWidget* eventLog() const { return m_eventLog; }
    EventLogModel* eventLogModel() const { return m_eventModel; }
    ChartsWidget* charts() const { return m_charts; }
    ConsoleWidget* console() const { return m_console; }
    QAction* action(const QString& objectName) const;

    // Selection shared by graph, table and inspector (in the order the user picked).
    QList<uint64_t> selection() const { return m_selection; }
    void setSelection(const QList<uint64_t>& pids);
    bool focusPid(uint64_t pid);

    // Actions (also reachable from toolbar, menus, context menus and keys).
    MessageDialog* openSendDialog();
    MessageDialog* openExitDialog();
    void killSelected();
    void linkSelected();
    void unlinkSelected();
    void monitorSelected();
    void spawnBuiltin(const QString& id);
    void terminateSelectedChild();
    void restartSelectedChild();
    void startChildInSelected(const QString& builtinId);
    void setPaused(bool paused);
    void stepOnce();
    void setSpeed(int stepsPerSecond); // 0 = full speed
    void clearDead();
    void setDarkTheme(bool dark);
    bool exportGraph(const QString& path); // .png or .svg by suffix
    QString lastStatusMessage() const { return m_lastMessage; }

    void saveSettings() const;
    void restoreSettings();

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildActions();
    void buildMenus();
    void buildToolbar();
    void buildDocks();
    void buildStatusBar();
    void onBridgeUpdated();
    void updateActions();
    void updateStatusBar();
    void showContextMenu(uint64_t pid, const QPoint& globalPos);
    void report(const QString& message, bool error = false);
    Term pidTerm(uint64_t serial) const;
    QString describe(uint64_t pid) const;
    // Runs a blocking engine call off the GUI thread; done() runs back on the GUI thread.
    void runInBackground(std::function<QString()> work, std::function<void(const QString&)> done = {});
    void assertGuiThread() const;

    Runtime& m_runtime;
    TraceBridge* m_bridge;
    ProcessTableModel* m_tableModel;
    EventLogModel* m_eventModel;
    GraphView* m_graph;
    ProcessTableWidget* m_table;
    InspectorWidget* m_inspector;
    EventLogWidget* m_eventLog;
    ChartsWidget* m_charts;
    ConsoleWidget* m_console;
    QTabWidget* m_bottomTabs = nullptr;
    QLineEdit* m_search = nullptr;
    QComboBox* m_speed = nullptr;
    QMenu* m_spawnMenu = nullptr;
    QMenu* m_startChildMenu = nullptr;
    QLabel* m_statusAlive;
    QLabel* m_statusRate;
    QLabel* m_statusDropped;
    QLabel* m_statusMode;
    QTimer m_stepTimer; // slow motion: steps the paused engine
    QTimer m_statusTimer;
    QList<uint64_t> m_selection;
    QSet<uint64_t> m_selectedAlive; // selected pids that were alive when picked: a restart moves the selection on
    QString m_lastMessage;
    QElapsedTimer m_lostReportClock;
    uint64_t m_lostSinceReport = 0;
    bool m_paused = false;
    int m_stepsPerSecond = 0;
    int m_pendingJobs = 0;
    uint64_t m_selectWhenShown = 0; // a process spawned from the palette, selected once the graph has it
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

} // namespace vigil
