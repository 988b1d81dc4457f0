#include "processtablewidget.h"

#include "processfiltermodel.h"
#include "processtablemodel.h"
#include "theme.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QVBoxLayout>

namespace vigil {

namespace {
// Greys out dead rows and colours deep mailboxes; the model stays free of GUI types.
class ProcessRowDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        const Theme& th = Theme::current();
        if (!index.data(ProcessTableModel::AliveRole).toBool()) {
            option->palette.setColor(QPalette::Text, th.subtleText);
            option->font.setItalic(true);
        } else if (index.column() == ProcessTableModel::Mailbox) {
            const qlonglong depth = index.data().toLongLong();
            if (depth > 10) {
                option->palette.setColor(QPalette::Text, th.badgeColor(depth));
                option->font.setBold(true);
            }
        } else if (index.column() == ProcessTableModel::Status) {
            option->palette.setColor(QPalette::Text, th.status[index.data(ProcessTableModel::StatusRole).toInt()]);
        }
    }
};
} // namespace

ProcessTableWidget::ProcessTableWidget(ProcessTableModel* model, QWidget* parent)
    : QWidget(parent)
    , m_model(model)
    , m_proxy(new ProcessFilterModel(this))
    , m_filter(new QLineEdit(this))
    , m_showDead(new QCheckBox(tr("Dead"), this))
    , m_view(new QTableView(this))
{
    setObjectName(QStringLiteral("processTable"));
    m_proxy->setSourceModel(model);
    auto* lay = new QVBoxLayout(this);
    lay->setContentsMargins(4, 4, 4, 4);
    lay->setSpacing(4);
    auto* top = new QHBoxLayout;
    m_filter->setObjectName(QStringLiteral("processFilter"));
    m_filter->setPlaceholderText(tr("Filter: pid, name, behaviour, status…"));
    m_filter->setClearButtonEnabled(true);
    m_showDead->setChecked(true);
    m_showDead->setToolTip(tr("Show processes that exited (until cleared)"));
    top->addWidget(m_filter, 1);
    top->addWidget(m_showDead);
    lay->addLayout(top);
    lay->addWidget(m_view, 1);

    m_view->setModel(m_proxy);
    m_view->setItemDelegate(new ProcessRowDelegate(m_view));
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(ProcessTableModel::Pid, Qt::AscendingOrder);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    m_view->horizontalHeader()->setHighlightSections(false);
    m_view->horizontalHeader()->setStretchLastSection(false);
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    const int widths[] = { 110, 130, 170, 90, 64, 64, 64, 84, 48, 64, 60 };
    for (int c = 0; c < ProcessTableModel::NUM_COLUMNS; ++c)
        m_view->setColumnWidth(c, widths[c]);

    connect(m_filter, &QLineEdit::textChanged, m_proxy, &ProcessFilterModel::setText);
    connect(m_showDead, &QCheckBox::toggled, m_proxy, &ProcessFilterModel::setShowDead);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        if (!m_syncing)
            Q_EMIT selectionChangedByUser(selectedPids());
    });
    connect(m_view, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
        const QModelIndex idx = m_view->indexAt(pos);
        const uint64_t pid = idx.isValid() ? idx.data(ProcessTableModel::PidRole).toULongLong() : 0;
        Q_EMIT contextMenuRequested(pid, m_view->viewport()->mapToGlobal(pos));
    });
}

QList<uint64_t> ProcessTableWidget::selectedPids() const
{
    QList<uint64_t> out;
    for (const QModelIndex& idx : m_view->selectionModel()->selectedRows())
        out.append(idx.data(ProcessTableModel::PidRole).toULongLong());
    return out;
}

void ProcessTableWidget::setSelectedPids(const QList<uint64_t>& pids)
{
    m_syncing = true;
    QItemSelection sel;
    for (uint64_t pid : pids) {
        const int row = m_model->rowOf(pid);
        if (row < 0)
            continue;
        const QModelIndex src = m_model->index(row, 0);
        const QModelIndex idx = m_proxy->mapFromSource(src);
        if (idx.isValid())
            sel.select(idx, idx.siblingAtColumn(ProcessTableModel::NUM_COLUMNS - 1));
    }
    m_view->selectionModel()->select(sel, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    if (!sel.isEmpty())
        m_view->scrollTo(sel.indexes().first());
    m_syncing = false;
}

} // namespace vigil
