#include "eventlogwidget.h"

#include "eventlogmodel.h"

#include <QCheckBox>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLineEdit>
#include <QMessageBox>
#include <QScrollBar>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

namespace vigil {

EventLogWidget::EventLogWidget(EventLogModel* model, QWidget* parent)
    : QWidget(parent)
    , m_model(model)
    , m_proxy(new EventFilterModel(this))
    , m_filter(new QLineEdit(this))
    , m_onlySelected(new QCheckBox(tr("Selected only"), this))
    , m_follow(new QCheckBox(tr("Follow"), this))
    , m_callMonitors(new QCheckBox(tr("Call monitors"), this))
    , m_view(new QTableView(this))
{
    setObjectName(QStringLiteral("eventLog"));
    m_proxy->setSourceModel(model);
    auto* lay = new QVBoxLayout(this);
    lay->setContentsMargins(4, 4, 4, 4);
    lay->setSpacing(4);
    auto* bar = new QHBoxLayout;
    m_filter->setPlaceholderText(tr("Filter events…"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setMinimumWidth(150);
    bar->addWidget(m_filter, 1);
    for (int c = 0; c < int(EventCategory::Count); ++c) {
        auto* box = new QCheckBox(QString::fromLatin1(eventCategoryName(EventCategory(c))).replace(QLatin1Char('&'), QStringLiteral("&&")), this);
        const bool captured = model->captured(EventCategory(c));
        box->setChecked(captured);
        box->setToolTip(c == int(EventCategory::Messages)
                ? tr("Message events are many; they are recorded only while this is on")
                : tr("Show %1 events").arg(QString::fromLatin1(eventCategoryName(EventCategory(c)))));
        connect(box, &QCheckBox::toggled, this, [this, c](bool on) {
            m_model->setCaptured(EventCategory(c), on);
            m_proxy->setShown(EventCategory(c), on);
        });
        bar->addWidget(box);
    }
    m_callMonitors->setObjectName(QStringLiteral("showCallMonitors"));
    m_callMonitors->setChecked(m_proxy->showCallMonitors());
    m_callMonitors->setToolTip(tr("GenServer.call monitors the server for the length of each call and demonitors it "
                                  "when the reply comes. These pairs are hidden unless this is on; they are still "
                                  "recorded and exported."));
    connect(m_callMonitors, &QCheckBox::toggled, m_proxy, &EventFilterModel::setShowCallMonitors);
    connect(model, &EventLogModel::callMonitorPairsChanged, this, [this](quint64 n) {
        m_callMonitors->setText(tr("Call monitors (%1)").arg(n));
    });
    bar->addWidget(m_callMonitors);
    m_onlySelected->setToolTip(tr("Show only the events of the process selected in the graph or the table"));
    bar->addWidget(m_onlySelected);
    m_follow->setChecked(true);
    bar->addWidget(m_follow);
    auto* clear = new QToolButton(this);
    clear->setText(tr("Clear"));
    connect(clear, &QToolButton::clicked, model, &EventLogModel::clear);
    bar->addWidget(clear);
    auto* exportButton = new QToolButton(this);
    exportButton->setText(tr("Export JSONL…"));
    connect(exportButton, &QToolButton::clicked, this, &EventLogWidget::exportDialog);
    bar->addWidget(exportButton);
    lay->addLayout(bar);
    lay->addWidget(m_view, 1);

    m_view->setModel(m_proxy);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 4);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setColumnWidth(EventLogModel::Time, 80);
    m_view->setColumnWidth(EventLogModel::Seq, 70);
    m_view->setColumnWidth(EventLogModel::Kind, 120);
    m_view->setColumnWidth(EventLogModel::Process, 110);
    m_view->setMouseTracking(true);

    connect(m_filter, &QLineEdit::textChanged, m_proxy, &EventFilterModel::setText);
    connect(m_onlySelected, &QCheckBox::toggled, this, [this](bool on) { m_proxy->setPid(on ? m_current : 0); });
    connect(m_view, &QTableView::clicked, this, [this](const QModelIndex& idx) {
        if (idx.column() == EventLogModel::Process) {
            if (const uint64_t pid = idx.data(EventLogModel::PidRole).toULongLong())
                Q_EMIT pidActivated(pid);
        } else if (idx.column() == EventLogModel::Detail) {
            if (const uint64_t pid = idx.data(EventLogModel::OtherPidRole).toULongLong())
                Q_EMIT pidActivated(pid);
        }
    });
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, [this] {
        if (m_follow->isChecked())
            m_view->scrollToBottom();
    });
}

void EventLogWidget::setCurrentPid(uint64_t pid)
{
    m_current = pid;
    if (m_onlySelected->isChecked())
        m_proxy->setPid(pid);
}

qint64 EventLogWidget::exportJsonLines(const QString& path, QString* error) const
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) {
        if (error)
            *error = f.errorString();
        return -1;
    }
    // What the filter shows, plus the call monitor pairs it may hide: an export never loses those.
    qint64 n = 0;
    for (int src = 0; src < m_model->rowCount(); ++src) {
        if (!m_proxy->acceptsSourceRow(src, true))
            continue;
        const std::string line = eventJsonLine(m_model->event(src)) + "\n";
        if (f.write(line.data(), qint64(line.size())) < 0) {
            if (error)
                *error = f.errorString();
            return -1;
        }
        ++n;
    }
    return n;
}

void EventLogWidget::exportDialog()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export events"), QStringLiteral("vigil-events.jsonl"),
        tr("JSON Lines (*.jsonl);;All files (*)"));
    if (path.isEmpty())
        return;
    QString error;
    if (exportJsonLines(path, &error) < 0)
        QMessageBox::warning(this, tr("Export failed"), tr("Could not write %1: %2").arg(path, error));
}

} // namespace vigil
