#pragma once

// The most recent trace events (a bounded ring), appended in batches. Which categories are captured is a
// setting: message events arrive by the hundred thousand and would push everything else out.
//
// Call monitors: GenServer.call monitors the server for the length of the call and demonitors it when the reply
// comes. Such a monitor/demonitor pair (same reference, demonitored by the watcher within kCallMonitorNs) is
// marked on both rows (CallMonitorRole) so views can hide the pairs; the events themselves are kept.
// GUI thread only.

#include "eventformat.h"

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>

#include <deque>
#include <unordered_map>

namespace vigil {

class EventLogModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Columns { Time, Seq, Kind, Process, Detail, NUM_COLUMNS };
    enum Roles { PidRole = Qt::UserRole, OtherPidRole, KindRole, CategoryRole, SeqRole, CallMonitorRole };
    static constexpr int64_t kCallMonitorNs = 5'000'000'000; // GenServer.call's default timeout

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
    // The row is one half of a short-lived monitor/demonitor pair (see above).
    bool isCallMonitor(int row) const { return m_callMonitor[size_t(row)] != 0; }
    // Pairs marked so far (rows that left the ring included).
    uint64_t callMonitorPairs() const { return m_callMonitorPairs; }
    // Time origin for the Time column (runtime clock of the first event seen).
    int64_t originNs() const { return m_originNs; }

Q_SIGNALS:
    void callMonitorPairsChanged(quint64 pairs);

private:
    void dropFront(size_t n);

    std::deque<TraceEvent> m_events;
    std::deque<uint8_t> m_callMonitor; // parallel to m_events
    uint64_t m_firstIndex = 0; // running index of row 0 (rows ever appended before it)
    struct OpenMonitor {
        uint64_t index; // running index of its Monitored row
        int64_t timeNs;
    };
    std::unordered_map<uint64_t, OpenMonitor> m_openMonitors; // by reference
    uint64_t m_callMonitorPairs = 0;
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
    // GenServer.call monitor/demonitor pairs; hidden by default (they are kept, and exported).
    void setShowCallMonitors(bool on);
    bool showCallMonitors() const { return m_callMonitors; }
    // The filter without the call-monitor rule (what an export writes).
    bool acceptsSourceRow(int sourceRow, bool ignoreCallMonitors) const;
    bool shown(EventCategory c) const { return (m_shown >> unsigned(c)) & 1u; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    QString m_text;
    uint64_t m_pid = 0;
    unsigned m_shown = ~0u;
    bool m_callMonitors = false;
};

} // namespace vigil
