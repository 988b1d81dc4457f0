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

void EventLogModel::setCapacity(size_t capacity)
{
    m_capacity = std::max<size_t>(capacity, 1);
    if (m_events.size() > m_capacity) {
        const int drop = int(m_events.size() - m_capacity);
        beginRemoveRows({}, 0, drop - 1);
        m_events.erase(m_events.begin(), m_events.begin() + drop);
        endRemoveRows();
    }
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
    m_events.clear();
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
    if (keep.size() > m_capacity)
        keep.erase(keep.begin(), keep.end() - ptrdiff_t(m_capacity));
    const size_t overflow = m_events.size() + keep.size() > m_capacity ? m_events.size() + keep.size() - m_capacity : 0;
    if (overflow) {
        beginRemoveRows({}, 0, int(overflow) - 1);
        m_events.erase(m_events.begin(), m_events.begin() + ptrdiff_t(overflow));
        endRemoveRows();
    }
    const int first = int(m_events.size());
    beginInsertRows({}, first, first + int(keep.size()) - 1);
    for (const TraceEvent* e : keep)
        m_events.push_back(*e);
    endInsertRows();
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
    auto* log = qobject_cast<EventLogModel*>(sourceModel());
    if (!log || sourceParent.isValid())
        return true;
    const TraceEvent& e = log->event(sourceRow);
    if (!shown(eventCategory(e.kind)))
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
