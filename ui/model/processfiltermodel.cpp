#include "processfiltermodel.h"

#include "processtablemodel.h"

namespace vigil {

ProcessFilterModel::ProcessFilterModel(QObject* parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(ProcessTableModel::SortRole);
    setDynamicSortFilter(true);
}

void ProcessFilterModel::setText(const QString& text)
{
    if (text == m_text)
        return;
    m_text = text.trimmed();
    invalidateFilter();
}

void ProcessFilterModel::setShowDead(bool show)
{
    if (show == m_showDead)
        return;
    m_showDead = show;
    invalidateFilter();
}

bool ProcessFilterModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    const QModelIndex idx = sourceModel()->index(sourceRow, 0, sourceParent);
    if (!m_showDead && !idx.data(ProcessTableModel::AliveRole).toBool())
        return false;
    if (m_text.isEmpty())
        return true;
    const QString hay = idx.data(ProcessTableModel::SearchTextRole).toString();
    // Every word must match somewhere, so "cache running" narrows as expected.
    const auto words = m_text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    for (const QString& w : words) {
        if (!hay.contains(w, Qt::CaseInsensitive))
            return false;
    }
    return true;
}

bool ProcessFilterModel::lessThan(const QModelIndex& left, const QModelIndex& right) const
{
    if (left.column() == ProcessTableModel::Pid && right.column() == ProcessTableModel::Pid
        && sortRole() == ProcessTableModel::SortRole) {
        if (const auto* table = qobject_cast<const ProcessTableModel*>(sourceModel()))
            return table->pidAt(left.row()) < table->pidAt(right.row());
    }
    return QSortFilterProxyModel::lessThan(left, right);
}

} // namespace vigil
