#include "eventlogmodel.h"

#include "graphstate.h"

#include <QThread>

namespace vigil {

EventLogModel::EventLogModel(QObject* parent)
    : QAbstractTableModel(parent)
    , m_capture(~0u & ~(1u << unsigned(EventCategory::Messages)))
{
}

int EventLogModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_events.size()); }

int EventLogModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : NUM_COLUMNS; }

QVariant EventLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Time:
        return tr("Time (s)");
    case Seq:
        return tr("Seq");
    case Kind:
        return tr("Event");
    case Process:
        return tr("Process");
    case Detail:
        return tr("Detail");
    }
    return {};
}

QVariant EventLogModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_events.size()) || index.column() >= NUM_COLUMNS)
        return {};
    const TraceEvent& e = m_events[size_t(index.row())];
    switch (role) {
    case PidRole:
        return QVariant::fromValue<qulonglong>(eventSubject(e));
    case OtherPidRole:
        return QVariant::fromValue<qulonglong>(eventObject(e));
    case KindRole:
        return int(e.kind);
    case CategoryRole:
        return int(eventCategory(e.kind));
    case SeqRole:
        return QVariant::fromValue<qulonglong>(e.seq);
    case CallMonitorRole:
        return isCallMonitor(index.row());
    case Qt::DisplayRole:
        switch (index.column()) {
        case Time:
            return QString::number(double(e.timeNs - m_originNs) / 1e9, 'f', 3);
        case Seq:
            return QVariant::fromValue<qulonglong>(e.seq);
        case Kind:
            return QString::fromLatin1(eventTitle(e.kind));
        case Process: {
            const uint64_t p = eventSubject(e);
            return p ? QString::fromStdString(pidText(p)) : tr("host");
        }
        case Detail:
            return QString::fromStdString(describeEvent(e));
        }
        return {};
    default:
        return {};
    }
}

void EventLogModel::dropFront(size_t n)
{
    if (n == 0)
        return;
    beginRemoveRows({}, 0, int(n) - 1);
    m_events.erase(m_events.begin(), m_events.begin() + ptrdiff_t(n));
    m_callMonitor.erase(m_callMonitor.begin(), m_callMonitor.begin() + ptrdiff_t(n));
    m_firstIndex += n;
    endRemoveRows();
}

void EventLogModel::setCapacity(size_t capacity)
{
    m_capacity = std::max<size_t>(capacity, 1);
    if (m_events.size() > m_capacity)
        dropFront(m_events.size() - m_capacity);
}

void EventLogModel::setCaptured(EventCategory c, bool on)
{
    if (on)
        m_capture |= 1u << unsigned(c);
    else
        m_capture &= ~(1u << unsigned(c));
}

void EventLogModel::clear()
{
    beginResetModel();
    m_firstIndex += m_events.size();
    m_events.clear();
    m_callMonitor.clear();
    endResetModel();
}

void EventLogModel::append(const std::vector<TraceEvent>& events)
{
    Q_ASSERT_X(QThread::currentThread() == thread(), "EventLogModel", "GUI thread only");
    std::vector<const TraceEvent*> keep;
    keep.reserve(events.size());
    for (const TraceEvent& e : events) {
        if (captured(eventCategory(e.kind)))
            keep.push_back(&e);
    }
    if (keep.empty())
        return;
    if (m_originNs < 0)
        m_originNs = keep.front()->timeNs;
    const size_t skipped = keep.size() > m_capacity ? keep.size() - m_capacity : 0;
    if (skipped)
        keep.erase(keep.begin(), keep.begin() + ptrdiff_t(skipped));
    const size_t overflow = m_events.size() + keep.size() > m_capacity ? m_events.size() + keep.size() - m_capacity : 0;
    dropFront(overflow);
    const int first = int(m_events.size());
    // Rows of this batch get running indexes from here on (events cut off by the capacity never got one).
    const uint64_t base = m_firstIndex + m_events.size();
    std::vector<uint64_t> earlierRows; // call monitors whose Monitored row was appended before this batch
    beginInsertRows({}, first, first + int(keep.size()) - 1);
    const uint64_t pairsBefore = m_callMonitorPairs;
    for (size_t i = 0; i < keep.size(); ++i) {
        const TraceEvent& e = *keep[i];
        uint8_t flag = 0;
        if (e.kind == TraceKind::Monitored && e.data.isReference()) {
            m_openMonitors[e.data.asReference()] = { base + i, e.timeNs };
        } else if (e.kind == TraceKind::Demonitored && e.data.isReference()) {
            auto it = m_openMonitors.find(e.data.asReference());
            if (it != m_openMonitors.end()) {
                if (e.timeNs - it->second.timeNs <= kCallMonitorNs) {
                    flag = 1;
                    ++m_callMonitorPairs;
                    const uint64_t idx = it->second.index;
                    if (idx >= base)
                        m_callMonitor[size_t(idx - m_firstIndex)] = 1;
                    else if (idx >= m_firstIndex) // still in the ring
                        earlierRows.push_back(idx);
                }
                m_openMonitors.erase(it);
            }
        } else if (e.kind == TraceKind::DownDelivered && e.extra.isReference()) {
            m_openMonitors.erase(e.extra.asReference()); // a monitor that did its job stays in view
        }
        m_events.push_back(e);
        m_callMonitor.push_back(flag);
    }
    endInsertRows();
    for (uint64_t idx : earlierRows) {
        const int row = int(idx - m_firstIndex);
        m_callMonitor[size_t(row)] = 1;
        Q_EMIT dataChanged(index(row, 0), index(row, NUM_COLUMNS - 1));
    }
    // Monitors that never end (or whose demonitor we will not see) must not pile up.
    if (m_openMonitors.size() > 4096) {
        const int64_t now = m_events.back().timeNs;
        std::erase_if(m_openMonitors, [&](const auto& kv) {
            return kv.second.index < m_firstIndex || now - kv.second.timeNs > kCallMonitorNs;
        });
    }
    if (m_callMonitorPairs != pairsBefore)
        Q_EMIT callMonitorPairsChanged(m_callMonitorPairs);
}

EventFilterModel::EventFilterModel(QObject* parent)
    : QSortFilterProxyModel(parent)
{
}

void EventFilterModel::setText(const QString& text)
{
    m_text = text.trimmed();
    invalidateRowsFilter();
}

void EventFilterModel::setPid(uint64_t pid)
{
    m_pid = pid;
    invalidateRowsFilter();
}

void EventFilterModel::setShowCallMonitors(bool on)
{
    m_callMonitors = on;
    invalidateRowsFilter();
}

void EventFilterModel::setShown(EventCategory c, bool on)
{
    if (on)
        m_shown |= 1u << unsigned(c);
    else
        m_shown &= ~(1u << unsigned(c));
    invalidateRowsFilter();
}

bool EventFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    if (sourceParent.isValid())
        return true;
    return acceptsSourceRow(sourceRow, false);
}

bool EventFilterModel::acceptsSourceRow(int sourceRow, bool ignoreCallMonitors) const
{
    auto* log = qobject_cast<EventLogModel*>(sourceModel());
    if (!log)
        return true;
    const TraceEvent& e = log->event(sourceRow);
    if (!shown(eventCategory(e.kind)))
        return false;
    if (!ignoreCallMonitors && !m_callMonitors && log->isCallMonitor(sourceRow))
        return false;
    if (m_pid && e.pid != m_pid && eventObject(e) != m_pid && !(e.kind == TraceKind::ChildRestarted && e.old == m_pid))
        return false;
    if (m_text.isEmpty())
        return true;
    const QString detail = QString::fromStdString(describeEvent(e));
    const QString title = QString::fromLatin1(eventTitle(e.kind));
    return detail.contains(m_text, Qt::CaseInsensitive) || title.contains(m_text, Qt::CaseInsensitive);
}

} // namespace vigil
