#pragma once

// The inspector of the selected process: every Process.info item, the first 100 messages with the total, the
// GenServer state, links/monitors/monitored_by as clickable pids and its recent events. Refreshed from the
// runtime's thread-safe detail() twice a second while visible. GUI thread only.

#include "inspectormodel.h"

#include <QTimer>
#include <QWidget>

#include <functional>

class QLabel;
class QTreeView;

namespace vigil {

class TraceBridge;

class InspectorWidget : public QWidget {
    Q_OBJECT
public:
    using DetailFn = std::function<std::optional<ProcessDetail>(uint64_t pid)>;
    InspectorWidget(TraceBridge* bridge, DetailFn detail, QWidget* parent = nullptr);

    void setPid(uint64_t pid);
    uint64_t pid() const { return m_pid; }
    void refresh();
    InspectorModel* model() const { return m_model; }
    QTreeView* view() const { return m_view; }
    QString headerText() const; // the header's rich text (tests)

Q_SIGNALS:
    void pidActivated(uint64_t pid);

private:
    TraceBridge* m_bridge;
    DetailFn m_detail;
    InspectorModel* m_model;
    QLabel* m_header;
    QTreeView* m_view;
    QTimer m_timer;
    uint64_t m_pid = 0;
};

} // namespace vigil
