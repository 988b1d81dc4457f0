#pragma once

// The most recent trace events (a bounded ring), appended in batches. Which categories are captured is a
// setting: message events arrive by the hundred thousand and would push everything else out. GUI thread only.

#include "eventformat.h"

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>

#include <deque>

namespace vigil {

class EventLogModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { Time, Seq, Kind, Process, Detail, NUM_COLUMNS };
    enum Roles { PidRole = Qt::UserRole, OtherPidRole, KindRole, CategoryRole, SeqRole };

    explicit EventLogModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    void append(const std::vector<TraceEvent>& events);
    void clear();

    void setCapacity(size_t capacity);
    size_t capacity() const { return m_capacity; }
    void setCaptured(EventCategory c, bool on);
    bool captured(EventCategory c) const { return (m_capture >> unsigned(c)) & 1u; }

    const TraceEvent& event(int row) const { return m_events[size_t(row)]; }
    // Time origin for the Time column (runtime clock of the first event seen).
    int64_t originNs() const { return m_originNs; }

private:
    std::deque<TraceEvent> m_events;
    size_t m_capacity = 20000;
    unsigned m_capture;
    int64_t m_originNs = -1;
};

// Filters the log by category, free text and one process.
class EventFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit EventFilterModel(QObject* parent = nullptr);
    void setText(const QString& text);
    void setPid(uint64_t pid); // 0 = any
    uint64_t pid() const { return m_pid; }
    void setShown(EventCategory c, bool on);
    bool shown(EventCategory c) const { return (m_shown >> unsigned(c)) & 1u; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    QString m_text;
    uint64_t m_pid = 0;
    unsigned m_shown = ~0u;
};

} // namespace vigil
