#include "inspectorwidget.h"

#include "theme.h"
#include "tracebridge.h"

#include <QHeaderView>
#include <QLabel>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>

namespace vigil {

InspectorWidget::InspectorWidget(TraceBridge* bridge, DetailFn detail, QWidget* parent)
    : QWidget(parent)
    , m_bridge(bridge)
    , m_detail(std::move(detail))
    , m_model(new InspectorModel(this))
    , m_header(new QLabel(this))
    , m_view(new QTreeView(this))
{
    setObjectName(QStringLiteral("inspector"));
    auto* lay = new QVBoxLayout(this);
    lay->setContentsMargins(4, 4, 4, 4);
    m_header->setObjectName(QStringLiteral("inspectorHeader"));
    m_header->setWordWrap(true);
    m_header->setTextFormat(Qt::RichText);
    m_header->setText(tr("<i>Select a process in the graph or the table.</i>"));
    lay->addWidget(m_header);
    lay->addWidget(m_view, 1);
    m_view->setModel(m_model);
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->header()->setStretchLastSection(true);
    // A shallow indent and a key column as wide as the longest Process.info key: the values get the rest.
    m_view->setIndentation(12);
    int keyWidth = 0;
    for (const char* key : { ":message_queue_len", ":registered_name", ":current_function", "messages in / out" })
        keyWidth = std::max(keyWidth, m_view->fontMetrics().horizontalAdvance(QLatin1String(key)));
    m_view->setColumnWidth(0, 2 * m_view->indentation() + keyWidth + 14);
    m_view->setExpandsOnDoubleClick(true);
    m_view->setWordWrap(false);
    // Section titles ("Mailbox (250, first 100 shown)") run across both columns.
    for (int s = 0; s < InspectorModel::NUM_SECTIONS; ++s) {
        m_view->setExpanded(m_model->index(s, 0), true);
        m_view->setFirstColumnSpanned(s, {}, true);
    }
    connect(m_view, &QTreeView::clicked, this, [this](const QModelIndex& idx) {
        const uint64_t pid = idx.data(InspectorModel::PidRole).toULongLong();
        if (pid && pid != m_pid)
            Q_EMIT pidActivated(pid);
    });
    m_timer.setInterval(500);
    connect(&m_timer, &QTimer::timeout, this, [this] {
        if (isVisible())
            refresh();
    });
}

void InspectorWidget::setPid(uint64_t pid)
{
    if (pid == m_pid)
        return;
    m_pid = pid;
    if (m_bridge)
        m_bridge->setWatchedPid(pid);
    if (!pid) {
        m_timer.stop();
        m_model->clearInput();
        m_header->setText(tr("<i>Select a process in the graph or the table.</i>"));
        return;
    }
    refresh();
    for (int s = 0; s < InspectorModel::NUM_SECTIONS; ++s)
        m_view->setExpanded(m_model->index(s, 0), true);
    m_timer.start();
}

QString InspectorWidget::headerText() const { return m_header->text(); }

void InspectorWidget::refresh()
{
    if (!m_pid)
        return;
    InspectorInput in;
    in.pid = m_pid;
    in.node = m_bridge ? m_bridge->state().node(m_pid) : nullptr;
    if (!in.node || in.node->alive)
        in.detail = m_detail ? m_detail(m_pid) : std::nullopt;
    if (in.node)
        in.recent = in.node->recent.toVector();
    if (m_bridge && m_bridge->watchedPid() == m_pid) {
        const auto& msgs = m_bridge->watchedMessages();
        in.recent.insert(in.recent.end(), msgs.begin(), msgs.end());
        std::sort(in.recent.begin(), in.recent.end(), [](const TraceEvent& a, const TraceEvent& b) { return a.seq < b.seq; });
        if (in.recent.size() > 60)
            in.recent.erase(in.recent.begin(), in.recent.end() - 60);
    }
    m_model->setInput(in);

    const Theme& th = Theme::current();
    QString name = in.node ? QString::fromStdString(in.node->displayName()) : QString();
    QString kind = in.node ? QString::fromLatin1(nodeKindName(in.node->kind)) : QString();
    QString status;
    QColor color = th.status[int(NodeStatus::Waiting)];
    if (in.node) {
        status = QString::fromLatin1(nodeStatusName(in.node->status));
        color = th.status[int(in.node->status)];
        if (!in.node->alive)
            status += QStringLiteral(" — ") + QString::fromStdString(in.node->extras().exitReason).toHtmlEscaped();
    } else if (!in.detail) {
        status = tr("unknown");
    }
    QString header = QStringLiteral("<b style='font-size:larger'>%1</b> &nbsp;%2<br><span style='color:%3'>● %4</span> "
                                    "&nbsp; %5")
                         .arg(QString::fromStdString(pidText(m_pid)).toHtmlEscaped(), name.toHtmlEscaped(), color.name(),
                             status, kind);
    // A restarted child starts from its init again: say so, since the state below is not the one it had.
    if (in.node && in.node->extras().restartedFrom)
        header += tr("<br><span style='color:%1'>restart %2 by its supervisor: a fresh start, the state of %3 was "
                     "lost</span>")
                      .arg(th.subtleText.name())
                      .arg(in.node->restarts)
                      .arg(QString::fromStdString(pidText(in.node->extras().restartedFrom)).toHtmlEscaped());
    m_header->setText(header);
}

} // namespace vigil
