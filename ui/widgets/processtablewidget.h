#pragma once

// The process table with its filter box; selection is synced with the graph through pid lists. GUI thread only.

#include <QWidget>

class QCheckBox;
class QLineEdit;
class QTableView;

namespace vigil {

class ProcessTableModel;
class ProcessFilterModel;

class ProcessTableWidget : public QWidget {
    Q_OBJECT
public:
    ProcessTableWidget(ProcessTableModel* model, QWidget* parent = nullptr);

    void setSelectedPids(const QList<uint64_t>& pids);
    QList<uint64_t> selectedPids() const;
    QTableView* view() const { return m_view; }
    QLineEdit* filterEdit() const { return m_filter; }
    ProcessFilterModel* proxy() const { return m_proxy; }

Q_SIGNALS:
    void selectionChangedByUser(const QList<uint64_t>& pids);
    void contextMenuRequested(uint64_t pid, const QPoint& globalPos);

private:
    ProcessTableModel* m_model;
    ProcessFilterModel* m_proxy;
    QLineEdit* m_filter;
    QCheckBox* m_showDead;
    QTableView* m_view;
    bool m_syncing = false;
};

} // namespace vigil
