#pragma once

// The event log tab: category toggles, a text filter, a "this process only" switch, follow-tail, clickable pids
// and export to JSON Lines. GUI thread only.

#include <QWidget>

class QCheckBox;
class QLineEdit;
class QTableView;

namespace vigil {

class EventLogModel;
class EventFilterModel;

class EventLogWidget : public QWidget {
    Q_OBJECT
public:
    explicit EventLogWidget(EventLogModel* model, QWidget* parent = nullptr);

    void setCurrentPid(uint64_t pid);
    // Writes the rows that pass the filter (hidden call monitor pairs included); returns the number written or -1
    // (error in *error).
    qint64 exportJsonLines(const QString& path, QString* error = nullptr) const;
    EventFilterModel* proxy() const { return m_proxy; }
    QTableView* view() const { return m_view; }
    QCheckBox* callMonitorsToggle() const { return m_callMonitors; }

Q_SIGNALS:
    void pidActivated(uint64_t pid);

private:
    void exportDialog();

    EventLogModel* m_model;
    EventFilterModel* m_proxy;
    QLineEdit* m_filter;
    QCheckBox* m_onlySelected;
    QCheckBox* m_follow;
    QCheckBox* m_callMonitors;
    QTableView* m_view;
    uint64_t m_current = 0;
};

} // namespace vigil
