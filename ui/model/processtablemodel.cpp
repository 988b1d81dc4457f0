#include "processtablemodel.h"

#include <QThread>

#include <algorithm>

namespace vigil {

ProcessTableModel::ProcessTableModel(const GraphState* state, QObject* parent)
    : QAbstractTableModel(parent)
    , m_state(state)
{
    reset();
}

int ProcessTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }

int ProcessTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : NUM_COLUMNS; }

int ProcessTableModel::rowOf(uint64_t pid) const
{
    auto it = m_index.find(pid);
    return it == m_index.end() ? -1 : it->second;
}

uint64_t ProcessTableModel::pidAt(int row) const
{
    return row >= 0 && size_t(row) < m_rows.size() ? m_rows[size_t(row)] : 0;
}

QVariant ProcessTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Pid:
        return tr("PID");
    case Name:
        return tr("Name");
    case Behaviour:
        return tr("Behaviour / initial call");
    case Status:
        return tr("Status");
    case Mailbox:
        return tr("Mailbox");
    case MessagesIn:
        return tr("Msgs in");
    case MessagesOut:
        return tr("Msgs out");
    case Reductions:
        return tr("Reductions");
    case Links:
        return tr("Links");
    case Monitors:
        return tr("Monitors");
    case Restarts:
        return tr("Restarts");
    }
    return {};
}

QVariant ProcessTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= int(m_rows.size()) || index.column() >= NUM_COLUMNS)
        return {};
    const uint64_t pid = m_rows[size_t(index.row())];
    const GraphNode* n = m_state->node(pid);
    if (!n)
        return {};
    switch (role) {
    case PidRole:
        return QVariant::fromValue<qulonglong>(pid);
    case AliveRole:
        return n->alive;
    case StatusRole:
        return int(n->status);
    case SearchTextRole:
        return QString::fromStdString(pidText(pid) + " " + n->displayName() + " " + n->extras().behaviour + " "
            + n->extras().initialCall + " " + nodeStatusName(n->status));
    case Qt::TextAlignmentRole:
        if (index.column() >= Mailbox)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole:
        if (!n->alive)
            return tr("Exited: %1").arg(QString::fromStdString(n->extras().exitReason));
        return {};
    case Qt::DisplayRole:
    case SortRole:
        break;
    default:
        return {};
    }
    const bool sort = role == SortRole;
    switch (index.column()) {
    case Pid:
        return sort ? QVariant::fromValue<qulonglong>(pid) : QVariant(QString::fromStdString(pidText(pid)));
    case Name:
        return QString::fromStdString(n->displayName());
    case Behaviour: {
        std::string b = n->extras().behaviour.empty() ? std::string(nodeKindName(n->kind)) : n->extras().behaviour.str();
        if (!n->extras().initialCall.empty())
            b += " · " + n->extras().initialCall;
        return QString::fromStdString(b);
    }
    case Status:
        if (sort)
            return int(n->status);
        if (!n->alive)
            return QString::fromStdString("dead: " + n->extras().exitReason);
        return QString::fromLatin1(nodeStatusName(n->status)) + (n->trapExit ? tr(" (traps exits)") : QString());
    case Mailbox:
        return QVariant::fromValue<qlonglong>(n->mailbox);
    case MessagesIn:
        return QVariant::fromValue<qulonglong>(n->messagesIn);
    case MessagesOut:
        return QVariant::fromValue<qulonglong>(n->messagesOut);
    case Reductions:
        return QVariant::fromValue<qulonglong>(n->reductions);
    case Links:
        return int(n->links.size());
    case Monitors:
        return int(n->monitors.size());
    case Restarts:
        return int(n->restarts);
    }
    return {};
}

void ProcessTableModel::rebuildIndex(size_t from)
{
    for (size_t i = from; i < m_rows.size(); ++i)
        m_index[m_rows[i]] = int(i);
}

void ProcessTableModel::reset()
{
    beginResetModel();
    m_rows.clear();
    m_index.clear();
    std::vector<const GraphNode*> nodes;
    nodes.reserve(m_state->nodes().size());
    for (const auto& [pid, n] : m_state->nodes())
        nodes.push_back(&n);
    std::sort(nodes.begin(), nodes.end(), [](auto* a, auto* b) { return a->pid < b->pid; });
    for (const GraphNode* n : nodes)
        m_rows.push_back(n->pid);
    rebuildIndex(0);
    endResetModel();
}

void ProcessTableModel::applyDelta(const GraphDelta& delta)
{
    Q_ASSERT_X(QThread::currentThread() == thread(), "ProcessTableModel", "GUI thread only");
    // A resync creates nodes and changes attributes but removes none: it is applied like any other delta (a reset
    // made the views and the sort proxy start over for every row).
    if (!delta.erased.empty()) {
        std::vector<int> rows;
        rows.reserve(delta.erased.size());
        for (uint64_t pid : delta.erased) {
            auto it = m_index.find(pid);
            if (it != m_index.end()) {
                rows.push_back(it->second);
                m_index.erase(it);
            }
        }
        std::sort(rows.begin(), rows.end());
        // Remove contiguous ranges from the bottom up so earlier row numbers stay valid.
        size_t end = rows.size();
        while (end > 0) {
            size_t begin = end - 1;
            while (begin > 0 && rows[begin - 1] == rows[begin] - 1)
                --begin;
            const int first = rows[begin];
            const int last = rows[end - 1];
            beginRemoveRows({}, first, last);
            m_rows.erase(m_rows.begin() + first, m_rows.begin() + last + 1);
            endRemoveRows();
            end = begin;
        }
        if (!rows.empty())
            rebuildIndex(size_t(rows.front()));
    }
    std::vector<uint64_t> fresh;
    fresh.reserve(delta.added.size());
    for (uint64_t pid : delta.added) {
        if (!m_index.count(pid) && m_state->node(pid))
            fresh.push_back(pid);
    }
    if (!fresh.empty()) {
        const int first = int(m_rows.size());
        beginInsertRows({}, first, first + int(fresh.size()) - 1);
        for (uint64_t pid : fresh) {
            m_index[pid] = int(m_rows.size());
            m_rows.push_back(pid);
        }
        endInsertRows();
    }
    if (!delta.changed.empty()) {
        std::vector<int> rows;
        rows.reserve(delta.changed.size());
        for (uint64_t pid : delta.changed) {
            auto it = m_index.find(pid);
            if (it != m_index.end() && it->second < int(m_rows.size()) - int(fresh.size()))
                rows.push_back(it->second);
        }
        std::sort(rows.begin(), rows.end());
        // Coalesce into ranges; past a point one span is cheaper for the views than many signals.
        if (rows.size() > 256) {
            Q_EMIT dataChanged(index(rows.front(), 0), index(rows.back(), NUM_COLUMNS - 1));
        } else {
            size_t i = 0;
            while (i < rows.size()) {
                size_t j = i;
                while (j + 1 < rows.size() && rows[j + 1] == rows[j] + 1)
                    ++j;
                Q_EMIT dataChanged(index(rows[i], 0), index(rows[j], NUM_COLUMNS - 1));
                i = j + 1;
            }
        }
    }
}

} // namespace vigil
