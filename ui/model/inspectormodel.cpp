#include "inspectormodel.h"

#include "eventformat.h"
#include "term/print.h"

#include <QThread>

namespace vigil {

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

QString termText(const Term& t, size_t limit = 400)
{
    InspectOptions o;
    o.limitChars = limit;
    return qs(inspect(t, o));
}

const char* const kSectionNames[] = { "Process.info", "Mailbox", "State", "Links", "Monitors", "Monitored by",
    "Recent events" };

} // namespace

InspectorModel::InspectorModel(QObject* parent)
    : QAbstractItemModel(parent)
{
    for (int s = 0; s < NUM_SECTIONS; ++s)
        m_titles[s] = tr(kSectionNames[s]);
}

QModelIndex InspectorModel::index(int row, int column, const QModelIndex& parent) const
{
    if (row < 0 || column < 0 || column >= NUM_COLUMNS)
        return {};
    if (!parent.isValid())
        return row < NUM_SECTIONS ? createIndex(row, column, quintptr(0)) : QModelIndex();
    if (parent.internalId() != 0 || parent.row() >= NUM_SECTIONS)
        return {};
    if (size_t(row) >= m_rows[parent.row()].size())
        return {};
    return createIndex(row, column, quintptr(parent.row() + 1));
}

QModelIndex InspectorModel::parent(const QModelIndex& child) const
{
    if (!child.isValid() || child.internalId() == 0)
        return {};
    return createIndex(int(child.internalId() - 1), 0, quintptr(0));
}

int InspectorModel::rowCount(const QModelIndex& parent) const
{
    if (!parent.isValid())
        return NUM_SECTIONS;
    if (parent.internalId() != 0 || parent.column() != 0)
        return 0;
    return int(m_rows[parent.row()].size());
}

int InspectorModel::columnCount(const QModelIndex&) const { return NUM_COLUMNS; }

QVariant InspectorModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    return section == Key ? tr("Item") : tr("Value");
}

QVariant InspectorModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid())
        return {};
    if (index.internalId() == 0) {
        if (role == Qt::DisplayRole && index.column() == Key)
            return m_titles[index.row()];
        if (role == Qt::FontRole) {
            return {};
        }
        return {};
    }
    const auto section = size_t(index.internalId() - 1);
    if (section >= NUM_SECTIONS || size_t(index.row()) >= m_rows[section].size())
        return {};
    const Row& r = m_rows[section][size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        return index.column() == Key ? r.key : r.value;
    case Qt::ToolTipRole:
        return index.column() == Value ? r.value : QVariant();
    case PidRole:
        return QVariant::fromValue<qulonglong>(r.pid);
    default:
        return {};
    }
}

void InspectorModel::setSection(Section s, QString title, std::vector<Row> rows)
{
    const QModelIndex parent = index(s, 0);
    if (title != m_titles[s]) {
        m_titles[s] = title;
        Q_EMIT dataChanged(parent, parent);
    }
    std::vector<Row>& cur = m_rows[s];
    const size_t common = std::min(cur.size(), rows.size());
    if (rows.size() < cur.size()) {
        beginRemoveRows(parent, int(rows.size()), int(cur.size()) - 1);
        cur.resize(rows.size());
        endRemoveRows();
    }
    int firstChanged = -1;
    int lastChanged = -1;
    for (size_t i = 0; i < common; ++i) {
        if (!(cur[i] == rows[i])) {
            cur[i] = rows[i];
            if (firstChanged < 0)
                firstChanged = int(i);
            lastChanged = int(i);
        }
    }
    if (firstChanged >= 0)
        Q_EMIT dataChanged(index(firstChanged, 0, parent), index(lastChanged, NUM_COLUMNS - 1, parent));
    if (rows.size() > cur.size()) {
        beginInsertRows(parent, int(cur.size()), int(rows.size()) - 1);
        cur.insert(cur.end(), rows.begin() + ptrdiff_t(cur.size()), rows.end());
        endInsertRows();
    }
}

void InspectorModel::clearInput()
{
    m_pid = 0;
    for (int s = 0; s < NUM_SECTIONS; ++s)
        setSection(Section(s), tr(kSectionNames[s]), {});
}

void InspectorModel::setInput(const InspectorInput& in)
{
    Q_ASSERT_X(QThread::currentThread() == thread(), "InspectorModel", "GUI thread only");
    m_pid = in.pid;
    const GraphNode* n = in.node;
    const ProcessSnapshot* s = in.detail ? &in.detail->summary : nullptr;

    std::vector<Row> info;
    info.push_back({ QStringLiteral("pid"), qs(pidText(in.pid)), 0 });
    if (n) {
        info.push_back({ QStringLiteral("name"), qs(n->displayName()), 0 });
        info.push_back({ QStringLiteral("kind"),
            QString::fromLatin1(nodeKindName(n->kind))
                + (n->extras().behaviour.empty() ? QString() : QStringLiteral(" (:%1)").arg(qs(n->extras().behaviour))),
            0 });
        info.push_back({ QStringLiteral("parent"), n->spawner ? qs(pidText(n->spawner)) : tr("host"), n->spawner });
        if (n->extras().supervisor)
            info.push_back({ QStringLiteral("supervisor"), qs(pidText(n->extras().supervisor)), n->extras().supervisor });
        if (!n->extras().childId.empty())
            info.push_back({ QStringLiteral("child id"), qs(n->extras().childId), 0 });
        info.push_back({ QStringLiteral("restarts"), QString::number(n->restarts), 0 });
        if (n->extras().restartedFrom)
            info.push_back({ QStringLiteral("restarted from"), qs(pidText(n->extras().restartedFrom)), n->extras().restartedFrom });
        if (n->extras().replacedBy)
            info.push_back({ QStringLiteral("replaced by"), qs(pidText(n->extras().replacedBy)), n->extras().replacedBy });
        if (!n->alive)
            info.push_back({ QStringLiteral("exit reason"), qs(n->extras().exitReason), 0 });
    }
    if (s && in.detail) {
        const ProcessDetail& d = *in.detail;
        info.push_back({ QStringLiteral(":registered_name"),
            s->registeredName == atoms::nil ? QStringLiteral("[]") : qs(inspectAtom(s->registeredName)), 0 });
        info.push_back({ QStringLiteral(":status"), qs(inspectAtom(s->status)), 0 });
        info.push_back({ QStringLiteral(":message_queue_len"), QString::number(s->messageQueueLen), 0 });
        info.push_back({ QStringLiteral(":trap_exit"), s->trapExit ? QStringLiteral("true") : QStringLiteral("false"),
            0 });
        info.push_back({ QStringLiteral(":initial_call"), termText(s->initialCall), 0 });
        info.push_back({ QStringLiteral(":current_function"), termText(d.currentFunction), 0 });
        info.push_back({ QStringLiteral(":reductions"), QString::number(s->reductions), 0 });
        info.push_back({ QStringLiteral(":memory"), QString::number(d.memoryBytes), 0 });
        info.push_back({ QStringLiteral(":links"), QString::number(s->links.size()), 0 });
        info.push_back({ QStringLiteral(":monitors"), QString::number(s->monitors.size()), 0 });
        info.push_back({ QStringLiteral(":monitored_by"), QString::number(s->monitoredBy.size()), 0 });
        info.push_back({ QStringLiteral("messages in / out"),
            QStringLiteral("%1 / %2").arg(s->messagesIn).arg(s->messagesOut), 0 });
    } else if (n && n->alive) {
        info.push_back({ QStringLiteral(":message_queue_len"), QString::number(n->mailbox), 0 });
        info.push_back({ QStringLiteral(":trap_exit"), n->trapExit ? QStringLiteral("true") : QStringLiteral("false"),
            0 });
    } else {
        info.push_back({ QStringLiteral(":status"), tr("not alive (Process.info returns nil)"), 0 });
    }
    setSection(Info, tr("Process.info"), std::move(info));

    std::vector<Row> mailbox;
    size_t total = 0;
    if (in.detail) {
        total = in.detail->summary.messageQueueLen;
        for (size_t i = 0; i < in.detail->messages.size(); ++i)
            mailbox.push_back({ QString::number(i + 1), termText(in.detail->messages[i]), 0 });
    }
    QString mailTitle = tr("Mailbox (%1)").arg(total);
    if (total > mailbox.size())
        mailTitle = tr("Mailbox (%1, first %2 shown)").arg(total).arg(mailbox.size());
    setSection(Mailbox, mailTitle, std::move(mailbox));

    std::vector<Row> state;
    if (in.detail && !in.detail->state.isNilAtom())
        state.push_back({ QStringLiteral("state"), termText(in.detail->state, 4000), 0 });
    // Titles are made before the rows are moved: the order in which arguments are evaluated is unspecified, and
    // GCC moved the rows out first ("State (none exposed)" over a state, "Recent events (0)" over a list).
    const QString stateTitle = state.empty() ? tr("State (none exposed)") : tr("State");
    setSection(State, stateTitle, std::move(state));

    auto pidRows = [](const std::vector<uint64_t>& pids) {
        std::vector<Row> rows;
        for (uint64_t p : pids)
            rows.push_back({ QString(), qs(pidText(p)), p });
        return rows;
    };
    std::vector<uint64_t> links;
    std::vector<Row> monitors;
    std::vector<Row> monitoredBy;
    if (s) {
        links = s->links;
        for (const auto& [ref, target] : s->monitors)
            monitors.push_back({ termText(ref), qs(pidText(target)), target });
        for (const auto& [ref, watcher] : s->monitoredBy)
            monitoredBy.push_back({ termText(ref), qs(pidText(watcher)), watcher });
    } else if (n) {
        links = (n->alive ? n->links : n->extras().linksAtDeath).toVector();
        for (const MonitorEdge& m : n->monitors)
            monitors.push_back({ QString(), qs(pidText(m.pid)), m.pid });
        for (const MonitorEdge& m : n->extras().monitoredBy)
            monitoredBy.push_back({ QString(), qs(pidText(m.pid)), m.pid });
    }
    std::sort(links.begin(), links.end());
    const size_t nl = links.size();
    const size_t nm = monitors.size();
    const size_t nb = monitoredBy.size();
    setSection(Links, tr("Links (%1)").arg(nl), pidRows(links));
    setSection(Monitors, tr("Monitors (%1)").arg(nm), std::move(monitors));
    setSection(MonitoredBy, tr("Monitored by (%1)").arg(nb), std::move(monitoredBy));

    std::vector<Row> recent;
    const int64_t origin = in.recent.empty() ? 0 : in.recent.front().timeNs;
    // Newest first: what just happened is what the user is looking for.
    for (auto it = in.recent.rbegin(); it != in.recent.rend(); ++it) {
        const double t = double(it->timeNs - origin) / 1e9;
        const uint64_t other = it->pid == in.pid ? eventObject(*it) : it->pid;
        recent.push_back({ QStringLiteral("+%1s %2").arg(t, 0, 'f', 3).arg(QString::fromLatin1(eventTitle(it->kind))),
            qs(describeEvent(*it)), other });
    }
    const QString recentTitle = tr("Recent events (%1)").arg(recent.size());
    setSection(Recent, recentTitle, std::move(recent));
}

QStringList InspectorModel::sectionRows(Section s) const
{
    QStringList out;
    for (const Row& r : m_rows[s])
        out << (r.key.isEmpty() ? r.value : r.key + QStringLiteral(": ") + r.value);
    return out;
}

QString InspectorModel::sectionTitle(Section s) const { return m_titles[s]; }

} // namespace vigil
