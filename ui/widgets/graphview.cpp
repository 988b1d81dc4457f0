#include "graphview.h"

#include "edgelayeritem.h"
#include "effectitem.h"
#include "graphscene.h"
#include "nodeitem.h"
#include "theme.h"

#include <QContextMenuEvent>
#include <QGraphicsScene>
#include <QLocale>
#include <QPainter>
#include <QScrollBar>
#include <QSvgGenerator>
#include <QThread>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <set>

namespace vigil {

namespace {
// New processes are placed at once (placeAdded); the full layout that tidies up runs at most this often.
constexpr int kLayoutIntervalMs = 200;
// A due layout waits this much longer for the next update from the bridge, so that it shares that update's repaint
// instead of causing one of its own; the timer only catches the last change of a burst.
constexpr int kLayoutGraceMs = 70;
constexpr size_t kMaxEffects = 48;
constexpr double kMinFitZoom = 0.72;

QPointF boundaryPoint(const QRectF& r, const QPointF& toward)
{
    const QPointF c = r.center();
    const double dx = toward.x() - c.x();
    const double dy = toward.y() - c.y();
    if (std::abs(dx) < 1e-6 && std::abs(dy) < 1e-6)
        return c;
    const double sx = std::abs(dx) > 1e-6 ? (r.width() / 2) / std::abs(dx) : 1e9;
    const double sy = std::abs(dy) > 1e-6 ? (r.height() / 2) / std::abs(dy) : 1e9;
    const double s = std::min(sx, sy);
    return c + QPointF(dx * s, dy * s);
}

void addArrow(QPainterPath& arrows, const QPointF& tip, const QPointF& from)
{
    const QPointF d = tip - from;
    const double len = std::hypot(d.x(), d.y());
    if (len < 1e-6)
        return;
    const QPointF u = d / len;
    const QPointF n(-u.y(), u.x());
    const double size = 10;
    QPolygonF tri;
    tri << tip << tip - u * size + n * size * 0.45 << tip - u * size - n * size * 0.45;
    arrows.addPolygon(tri);
    arrows.closeSubpath();
}
} // namespace

GraphView::GraphView(const GraphState* state, QWidget* parent)
    : QGraphicsView(parent)
    , m_state(state)
    , m_scene(new GraphScene(this))
{
    setObjectName(QStringLiteral("graphView"));
    m_clock.start();
    setScene(m_scene);
    m_scene->setItemIndexMethod(QGraphicsScene::NoIndex); // items move and change often
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    setDragMode(QGraphicsView::ScrollHandDrag);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
    setOptimizationFlags(QGraphicsView::DontSavePainterState);
    setFrameShape(QFrame::NoFrame);

    m_groups = new EdgeLayerItem(-3);
    m_tree = new EdgeLayerItem(-2);
    m_links = new EdgeLayerItem(-1);
    m_monitors = new EdgeLayerItem(-0.5);
    for (auto* l : { m_groups, m_tree, m_links, m_monitors })
        m_scene->addItem(l);
    applyTheme();

    m_layoutTimer.setSingleShot(true);
    connect(&m_layoutTimer, &QTimer::timeout, this, &GraphView::relayout);
    m_animTimer.setInterval(33);
    connect(&m_animTimer, &QTimer::timeout, this, &GraphView::onAnimationFrame);
    connect(m_scene, &QGraphicsScene::selectionChanged, this, &GraphView::onSceneSelectionChanged);
    scheduleLayout();
}

GraphView::~GraphView()
{
    // The scene deletes its items, which may change the selection: nothing of this view may react any more.
    disconnect(m_scene, nullptr, this, nullptr);
    m_animTimer.stop();
    m_layoutTimer.stop();
    m_items.clear();
    m_effects.clear();
    m_flashing.clear();
    delete m_scene;
}

void GraphView::assertGuiThread() const
{
    Q_ASSERT_X(QThread::currentThread() == thread(), "GraphView", "GUI thread only");
}

void GraphView::applyTheme()
{
    const Theme& th = Theme::current();
    m_scene->setBackgroundBrush(th.canvas);
    QPen tree(th.treeEdge, 1.4);
    tree.setCapStyle(Qt::RoundCap);
    m_tree->setPen(tree);
    m_groups->setPen(QPen(th.groupBorder, 1));
    m_groups->setFill(th.groupFill);
    m_links->setPen(QPen(th.linkEdge, 2.2, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    QPen mon(th.monitorEdge, 1.8, Qt::DashLine, Qt::RoundCap, Qt::RoundJoin);
    mon.setDashPattern({ 5, 4 });
    m_monitors->setPen(mon);
    m_legendPixmap = QPixmap();
    for (auto& [id, item] : m_items)
        item->update();
    viewport()->update();
}

void GraphView::setLayoutOptions(const LayoutOptions& o)
{
    m_options = o;
    for (auto& [id, item] : m_items)
        delete item;
    m_items.clear();
    scheduleLayout();
}

NodeItem* GraphView::itemFor(uint64_t id) const
{
    auto it = m_items.find(id);
    return it == m_items.end() ? nullptr : it->second;
}

QRectF GraphView::rectOf(uint64_t id) const
{
    NodeItem* item = itemFor(id);
    return item ? QRectF(item->pos(), item->body().size()) : QRectF();
}

void GraphView::applyDelta(const GraphDelta& delta)
{
    assertGuiThread();
    // A resync that changed links also redoes the layout: its groups are framed as linked to their parent or not.
    if (delta.structureChanged || (delta.resynced && delta.edgesChanged))
        scheduleLayout(true);
    if (delta.edgesChanged)
        m_edgesDirty = true;
    std::set<uint64_t> aggregates; // "+N more" nodes standing for a changed process
    for (uint64_t pid : delta.changed) {
        if (NodeItem* item = itemFor(pid)) {
            if (const GraphNode* n = m_state->node(pid))
                item->updateFrom(*n);
        } else if (const uint64_t shown = shownAs(pid); isAggregateId(shown)) {
            aggregates.insert(shown);
        }
    }
    for (uint64_t id : aggregates)
        refreshAggregate(id);
    for (uint64_t pid : delta.erased) {
        auto it = m_items.find(pid);
        if (it != m_items.end()) {
            std::erase(m_flashing, it->second);
            m_selectionOrder.removeAll(pid);
            delete it->second;
            m_items.erase(it);
            m_layoutDirty = true;
        }
    }
    const size_t placed = delta.added.empty() ? 0 : placeAdded(delta.added);
    if (m_animations)
        addEffects(delta);
    if (!m_pendingRestarts.empty())
        flashPendingRestarts();
    if (m_layoutDirty && m_layoutTimer.isActive() && m_clock.elapsed() - m_lastLayoutMs >= kLayoutIntervalMs)
        relayout(); // due: now, in this update's repaint
    else if (m_edgesDirty && !m_layoutDirty)
        rebuildEdges();
    if (placed)
        Q_EMIT nodesPlaced();
}

void GraphView::refreshAggregate(uint64_t id)
{
    // What the layout counted behind the aggregate, counted again: the processes past the per-parent limit and
    // everything under them, with their mailboxes. Cheap next to a layout, and it keeps the badge current between
    // layouts (they run only when the tree changes).
    auto at = m_layout.index.find(id);
    NodeItem* item = itemFor(id);
    if (at == m_layout.index.end() || !item)
        return;
    const uint64_t parent = id & ~kAggregateBit;
    const GraphNode* pn = parent ? m_state->node(parent) : nullptr;
    if (parent && !pn)
        return;
    const CompactVector<uint64_t>& children = pn ? pn->children : m_state->roots();
    size_t count = 0;
    int64_t mail = 0;
    std::vector<uint64_t> stack;
    for (size_t i = m_options.maxChildrenShown; i < children.size(); ++i) {
        stack.push_back(children[i]);
        while (!stack.empty()) {
            const GraphNode* n = m_state->node(stack.back());
            stack.pop_back();
            if (!n)
                continue;
            ++count;
            mail += n->mailbox;
            stack.insert(stack.end(), n->children.begin(), n->children.end());
        }
    }
    LayoutItem& li = m_layout.items[at->second];
    li.hidden = count;
    li.mailboxSum = mail;
    item->updateLayout(li);
}

void GraphView::flashPendingRestarts()
{
    // Restarts whose new pid has its item by now; the others wait while the new pid is still in the tree.
    std::vector<RestartEffect> waiting;
    for (const RestartEffect& r : m_pendingRestarts) {
        if (NodeItem* item = itemFor(r.newPid)) {
            item->flash(m_clock.elapsed(), Theme::current().flash);
            m_flashing.push_back(item);
            startAnimating();
        } else if (m_state->node(r.newPid) && m_state->node(r.newPid)->inTree) {
            waiting.push_back(r);
        }
    }
    m_pendingRestarts = std::move(waiting);
}

bool GraphView::provisionalSlot(const GraphNode& n, LayoutItem& out) const
{
    const double slot = m_options.nodeWidth + m_options.hGap;
    // The child it replaces (a supervisor restart) leaves its place to it.
    if (n.extras().restartedFrom) {
        const LayoutItem* old = m_layout.find(n.extras().restartedFrom);
        if (old && old->parent == n.treeParent && !itemFor(n.pid)) {
            out.x = old->x;
            out.y = old->y;
            out.inGrid = old->inGrid;
            return true;
        }
    }
    const LayoutItem* parent = nullptr;
    const CompactVector<uint64_t>* siblings = &m_state->roots();
    if (n.treeParent) {
        parent = m_layout.find(n.treeParent);
        const GraphNode* pn = m_state->node(n.treeParent);
        // Under a collapsed or undrawn parent it is stood for by that; in a long list it joins the aggregate.
        if (!parent || parent->collapsed || !pn)
            return false;
        siblings = &pn->children;
    }
    if (siblings->size() > m_options.maxChildrenShown || m_layout.find(aggregateIdFor(n.treeParent)))
        return false;
    // New children are usually last: look for it from the back, then for the nearest drawn sibling before it.
    auto it = std::find(siblings->rbegin(), siblings->rend(), n.pid);
    if (it == siblings->rend())
        return false;
    const LayoutItem* anchor = nullptr;
    for (auto s = std::next(it); s != siblings->rend(); ++s) {
        if ((anchor = m_layout.find(*s)))
            break;
    }
    if (anchor) {
        out.x = anchor->x + slot;
        out.y = anchor->y;
        out.inGrid = anchor->inGrid;
    } else if (parent) {
        out.x = parent->x;
        out.y = parent->y + m_options.nodeHeight + m_options.vGap;
    } else {
        out.x = 0;
        out.y = 0;
    }
    return true;
}

size_t GraphView::placeAdded(const std::vector<uint64_t>& added)
{
    // Before the first layout there is nothing to be next to: that layout places everything.
    if (m_layout.items.empty())
        return 0;
    size_t placed = 0;
    for (uint64_t pid : added) {
        if (m_items.count(pid))
            continue;
        const GraphNode* n = m_state->node(pid);
        if (!n || !n->inTree || n->hostPseudo)
            continue;
        LayoutItem li;
        li.id = pid;
        li.parent = n->treeParent;
        if (!provisionalSlot(*n, li))
            continue;
        auto* item = new NodeItem(pid, m_options.nodeWidth, m_options.nodeHeight);
        item->updateFrom(*n);
        item->updateLayout(li);
        m_scene->addItem(item);
        m_items.emplace(pid, item);
        m_layout.index[pid] = m_layout.items.size();
        m_layout.items.push_back(li);
        ++m_layout.shownNodes;
        ++placed;
    }
    return placed;
}

void GraphView::scheduleLayout(bool fromUpdate)
{
    m_layoutDirty = true;
    if (m_layoutTimer.isActive())
        return;
    const qint64 since = m_clock.elapsed() - m_lastLayoutMs;
    m_layoutTimer.start(int(std::max<qint64>(0, kLayoutIntervalMs - since)) + (fromUpdate ? kLayoutGraceMs : 0));
}

void GraphView::flushLayout()
{
    if (m_layoutDirty || m_layoutTimer.isActive())
        relayout();
    else if (m_edgesDirty)
        rebuildEdges();
}

void GraphView::relayout()
{
    assertGuiThread();
    m_layoutTimer.stop();
    m_lastLayoutMs = m_clock.elapsed();
    m_layoutDirty = false;
    m_layout = computeLayout(*m_state, m_collapse, m_options);

    std::unordered_map<uint64_t, NodeItem*> next;
    next.reserve(m_layout.items.size());
    for (const LayoutItem& li : m_layout.items) {
        NodeItem* item = nullptr;
        auto it = m_items.find(li.id);
        if (it != m_items.end()) {
            item = it->second;
            m_items.erase(it);
        } else {
            item = new NodeItem(li.id, m_options.nodeWidth, m_options.nodeHeight);
            m_scene->addItem(item);
            // Items that already existed are kept current by applyDelta.
            if (!isAggregateId(li.id)) {
                if (const GraphNode* n = m_state->node(li.id))
                    item->updateFrom(*n);
            }
        }
        item->updateLayout(li);
        next.emplace(li.id, item);
    }
    m_syncingSelection = true;
    for (auto& [id, item] : m_items) {
        std::erase(m_flashing, item);
        delete item;
    }
    m_syncingSelection = false;
    m_items = std::move(next);
    const auto before = m_selectionOrder;
    m_selectionOrder.erase(std::remove_if(m_selectionOrder.begin(), m_selectionOrder.end(),
                               [&](uint64_t p) { return !m_items.count(p); }),
        m_selectionOrder.end());

    flashPendingRestarts();

    const QRectF bounds(-60, -60, std::max(600.0, m_layout.width + 120), std::max(400.0, m_layout.height + 120));
    if (m_scene->sceneRect() != bounds)
        m_scene->setSceneRect(bounds); // a new rect repaints the scroll bars too
    rebuildEdges();
    if (m_fitPending && !m_layout.items.empty()) {
        m_fitPending = false;
        fitAll();
    }
    if (before != m_selectionOrder)
        Q_EMIT selectionChangedByUser(m_selectionOrder);
    Q_EMIT layoutChanged();
    Q_EMIT nodesPlaced();
}

QPainterPath GraphView::connectorPath(const QRectF& parent, const QRectF& child) const
{
    QPainterPath p;
    const QPointF from(parent.center().x(), parent.bottom());
    const QPointF to(child.center().x(), child.top());
    const double midY = to.y() - m_options.vGap / 2;
    p.moveTo(from);
    if (std::abs(from.x() - to.x()) < 0.5) {
        p.lineTo(to);
        return p;
    }
    const double r = std::min(10.0, std::abs(from.x() - to.x()) / 2);
    const double dir = to.x() > from.x() ? 1 : -1;
    p.lineTo(from.x(), midY - r);
    p.quadTo(from.x(), midY, from.x() + dir * r, midY);
    p.lineTo(to.x() - dir * r, midY);
    p.quadTo(to.x(), midY, to.x(), midY + r);
    p.lineTo(to);
    return p;
}

QPainterPath GraphView::curvePath(const QRectF& a, const QRectF& b, double bend) const
{
    QPainterPath p;
    QPointF ca = a.center();
    QPointF cb = b.center();
    if (std::abs(ca.y() - cb.y()) < 1) {
        // Same row: arc over the top so it does not run through the siblings in between.
        const QPointF s(ca.x(), a.top());
        const QPointF e(cb.x(), b.top());
        const double lift = 26 + std::abs(cb.x() - ca.x()) * 0.12 * (bend > 0 ? 1 : 1.4);
        p.moveTo(s);
        p.cubicTo(s.x(), s.y() - lift, e.x(), e.y() - lift, e.x(), e.y());
        return p;
    }
    if (std::abs(ca.x() - cb.x()) < 1) {
        // Same column (stacked leaves): bow out on the right, or a monitor between neighbours is only an arrowhead.
        const QPointF s(a.right(), ca.y());
        const QPointF e(b.right(), cb.y());
        const double out = 22 + std::abs(cb.y() - ca.y()) * 0.12 * (bend > 0 ? 1 : 1.4);
        p.moveTo(s);
        p.cubicTo(s.x() + out, s.y(), e.x() + out, e.y(), e.x(), e.y());
        return p;
    }
    const QPointF d = cb - ca;
    const double len = std::hypot(d.x(), d.y());
    const QPointF n = len > 0 ? QPointF(-d.y() / len, d.x() / len) : QPointF();
    const QPointF ctrl = (ca + cb) / 2 + n * len * bend;
    const QPointF s = boundaryPoint(a, ctrl);
    const QPointF e = boundaryPoint(b, ctrl);
    p.moveTo(s);
    p.quadTo(ctrl, e);
    return p;
}

uint64_t GraphView::shownAs(uint64_t pid) const
{
    if (m_layout.find(pid))
        return pid;
    // Walk up to the nearest ancestor that is drawn. If it is drawn collapsed, it stands for pid; otherwise the
    // branch towards pid was cut off by that ancestor's "+N more" aggregate.
    const GraphNode* n = m_state->node(pid);
    if (!n || !n->inTree)
        return 0;
    for (size_t guard = 0; n && guard < m_state->nodes().size() + 1; ++guard) {
        const uint64_t parent = n->treeParent;
        if (parent == 0)
            return m_layout.find(aggregateIdFor(0)) ? aggregateIdFor(0) : 0;
        if (const LayoutItem* li = m_layout.find(parent)) {
            if (li->collapsed)
                return parent;
            return m_layout.find(aggregateIdFor(parent)) ? aggregateIdFor(parent) : parent;
        }
        n = m_state->node(parent);
    }
    return 0;
}

void GraphView::rebuildEdges()
{
    m_edgesDirty = false;
    QPainterPath groups;
    QPainterPath tree;
    QPainterPath links;
    QPainterPath monitors;
    QPainterPath arrows;
    for (const LayoutGroup& g : m_layout.groups)
        groups.addRoundedRect(QRectF(g.x, g.y, g.width, g.height), 10, 10);
    for (const LayoutItem& li : m_layout.items) {
        if (!li.parent || li.inGrid)
            continue;
        const QRectF pr = rectOf(li.parent);
        if (pr.isNull())
            continue;
        tree.addPath(connectorPath(pr, rectOf(li.id)));
    }
    for (const LayoutGroup& g : m_layout.groups) {
        const QRectF pr = rectOf(g.parent);
        if (pr.isNull())
            continue;
        const QRectF top(g.x + g.width / 2 - 1, g.y, 2, 1);
        const QPainterPath c = connectorPath(pr, top);
        tree.addPath(c);
        if (g.allLinkedToParent)
            links.addPath(c);
    }
    // Edges to processes hidden in a collapsed subtree or behind an aggregate are drawn to what stands for them,
    // once per pair of drawn ends.
    std::set<std::pair<uint64_t, uint64_t>> drawnLinks;
    int linkCount = 0;
    for (const auto& [pa, pb] : m_state->linkPairs()) {
        const uint64_t a = shownAs(pa);
        const uint64_t b = shownAs(pb);
        if (!a || !b || a == b || !drawnLinks.emplace(std::min(a, b), std::max(a, b)).second)
            continue;
        const LayoutItem* la = m_layout.find(a);
        const LayoutItem* lb = m_layout.find(b);
        if (!la || !lb)
            continue;
        ++linkCount;
        if (lb->parent == a || la->parent == b) {
            const LayoutItem* child = lb->parent == a ? lb : la;
            if (child->inGrid)
                continue; // shown by the group connector
            links.addPath(connectorPath(rectOf(child->parent), rectOf(child->id)));
            continue;
        }
        links.addPath(curvePath(rectOf(a), rectOf(b), 0.18));
    }
    int monitorCount = 0;
    std::set<std::pair<uint64_t, uint64_t>> drawnMonitors;
    for (const auto& [pw, pt] : m_state->monitorPairs()) {
        const uint64_t w = shownAs(pw);
        const uint64_t t = shownAs(pt);
        if (!w || !t || w == t || !drawnMonitors.emplace(w, t).second)
            continue;
        ++monitorCount;
        const QPainterPath c = curvePath(rectOf(w), rectOf(t), -0.22);
        monitors.addPath(c);
        const QPointF tip = c.pointAtPercent(1);
        addArrow(arrows, tip, c.pointAtPercent(0.9));
    }
    m_groups->setPath(groups);
    m_tree->setPath(tree);
    m_links->setPath(links);
    m_links->setEdgeCount(linkCount);
    m_monitors->setPath(monitors, arrows);
    m_monitors->setEdgeCount(monitorCount);
    m_links->setVisible(m_showLinks);
    m_monitors->setVisible(m_showMonitors);
}

int GraphView::linkEdgeCount() const { return m_links->edgeCount(); }
int GraphView::monitorEdgeCount() const { return m_monitors->edgeCount(); }

QPainterPath GraphView::signalPath(uint64_t from, uint64_t to) const
{
    from = shownAs(from);
    to = shownAs(to);
    if (!from || !to || from == to)
        return {};
    const LayoutItem* lf = m_layout.find(from);
    const LayoutItem* lt = m_layout.find(to);
    if (!lf || !lt || !itemFor(from) || !itemFor(to))
        return {};
    if (lt->parent == from && !lt->inGrid)
        return connectorPath(rectOf(from), rectOf(to));
    if (lf->parent == to && !lf->inGrid)
        return connectorPath(rectOf(to), rectOf(from)).toReversed();
    return curvePath(rectOf(from), rectOf(to), 0.18);
}

void GraphView::addEffects(const GraphDelta& delta)
{
    const Theme& th = Theme::current();
    const qint64 now = m_clock.elapsed();
    for (const SignalEffect& s : delta.signals) {
        if (m_effects.size() >= kMaxEffects)
            break;
        const uint64_t shownTo = shownAs(s.to);
        NodeItem* target = itemFor(shownTo);
        if (!target)
            continue;
        QString text;
        switch (s.outcome) {
        case SignalOutcome::Trapped:
            text = QStringLiteral("trapped → {:EXIT, %1, %2}")
                       .arg(QString::fromStdString(pidText(s.from)), QString::fromStdString(s.reason));
            break;
        case SignalOutcome::Killed:
            text = QStringLiteral("died: %1").arg(QString::fromStdString(s.reason));
            break;
        case SignalOutcome::Ignored:
            text = QStringLiteral("ignored %1").arg(QString::fromStdString(s.reason));
            break;
        case SignalOutcome::None:
            text = QStringLiteral("exit signal %1").arg(QString::fromStdString(s.reason));
            break;
        }
        const QRectF tr = rectOf(shownTo);
        auto* fx = new EffectItem(signalPath(s.from, s.to),
            EffectItem::freeAnchor(QPointF(tr.center().x(), tr.top()), text, m_effects), text, th.signalColor(s.outcome),
            now);
        m_scene->addItem(fx);
        m_effects.push_back(fx);
    }
    for (const RestartEffect& r : delta.restarts) {
        m_pendingRestarts.push_back(r);
        if (m_effects.size() < kMaxEffects && m_state->node(r.newPid)) {
            // Anchored where the child sits (the old item, or the parent until the new one is placed).
            QRectF at = rectOf(r.oldPid);
            if (at.isNull())
                at = rectOf(r.newPid);
            if (!at.isNull()) {
                const QString text = QStringLiteral("restarted %1 → %2  ↻%3")
                                         .arg(QString::fromStdString(pidText(r.oldPid)),
                                             QString::fromStdString(pidText(r.newPid)))
                                         .arg(r.count);
                auto* fx = new EffectItem({},
                    EffectItem::freeAnchor(QPointF(at.center().x(), at.bottom() + 44), text, m_effects), text,
                    th.flash, now + EffectItem::kTravelMs);
                m_scene->addItem(fx);
                m_effects.push_back(fx);
            }
        }
    }
    for (uint64_t sup : delta.gaveUp) {
        const QRectF at = rectOf(sup);
        if (at.isNull() || m_effects.size() >= kMaxEffects)
            continue;
        auto* fx = new EffectItem({}, QPointF(at.center().x(), at.top()),
            QStringLiteral("gave up: too many restarts → exits :shutdown"), th.signalKill, now);
        m_scene->addItem(fx);
        m_effects.push_back(fx);
        if (NodeItem* item = itemFor(sup)) {
            item->flash(now, th.signalKill);
            m_flashing.push_back(item);
        }
    }
    if (!m_effects.empty() || !m_flashing.empty() || !m_pendingRestarts.empty())
        startAnimating();
}

void GraphView::startAnimating()
{
    if (!m_animTimer.isActive())
        m_animTimer.start();
}

void GraphView::onAnimationFrame()
{
    const qint64 now = m_clock.elapsed();
    for (auto it = m_effects.begin(); it != m_effects.end();) {
        if (!(*it)->animate(now)) {
            delete *it;
            it = m_effects.erase(it);
        } else {
            ++it;
        }
    }
    std::erase_if(m_flashing, [&](NodeItem* item) { return !item->animate(now); });
    if (m_effects.empty() && m_flashing.empty())
        m_animTimer.stop();
}

QStringList GraphView::activeEffectTexts() const
{
    QStringList out;
    for (EffectItem* e : m_effects)
        out << e->text();
    return out;
}

void GraphView::setShowLinks(bool on)
{
    m_showLinks = on;
    m_links->setVisible(on);
}

void GraphView::setShowMonitors(bool on)
{
    m_showMonitors = on;
    m_monitors->setVisible(on);
}

void GraphView::setShowLegend(bool on)
{
    m_showLegend = on;
    viewport()->update();
}

double GraphView::zoom() const { return transform().m11(); }

void GraphView::zoomBy(double factor)
{
    const double z = zoom() * factor;
    if (z < 0.03 || z > 4)
        return;
    scale(factor, factor);
}

void GraphView::resetZoom() { setTransform(QTransform()); }

void GraphView::fitAll()
{
    QRectF r;
    for (const auto& [id, item] : m_items)
        r = r.united(QRectF(item->pos(), item->body().size()));
    if (r.isNull())
        return;
    r.adjust(-40, -50, 40, 40);
    fitInView(r, Qt::KeepAspectRatio);
    if (m_showLegend && zoom() > 0) {
        // Leave room for the legend in the bottom-left corner.
        r.adjust(0, 0, 0, (m_legendHeight + 16) / zoom());
        fitInView(r, Qt::KeepAspectRatio);
    }
    if (zoom() > 1.25)
        setTransform(QTransform::fromScale(1.25, 1.25));
    if (zoom() < kMinFitZoom) {
        // Too small to read: keep labels legible and show the top of the tree; the rest is a pan away.
        setTransform(QTransform::fromScale(kMinFitZoom, kMinFitZoom));
        centerOn(r.center().x(), r.top() + viewport()->height() / 2.0 / kMinFitZoom);
        return;
    }
    centerOn(r.center());
}

bool GraphView::focusPid(uint64_t pid)
{
    const GraphNode* n = m_state->node(pid);
    if (!n || !n->inTree)
        return false;
    // Expand every collapsed ancestor and make sure the pid is not cut off by the aggregate.
    bool changed = false;
    for (const GraphNode* a = m_state->node(n->treeParent); a; a = a->treeParent ? m_state->node(a->treeParent) : nullptr) {
        if (m_collapse.collapsed.erase(a->pid))
            changed = true;
        if (m_collapse.expanded.insert(a->pid).second)
            changed = true;
    }
    if (changed || !itemFor(pid))
        relayout();
    NodeItem* item = itemFor(pid);
    if (!item) {
        // Beyond the per-parent limit: move it into view by raising the limit for this relayout is too costly;
        // tell the caller instead.
        return false;
    }
    setSelectedPids({ pid });
    centerOn(item->center());
    return true;
}

void GraphView::setSelectedPids(const QList<uint64_t>& pids)
{
    m_syncingSelection = true;
    m_scene->clearSelection();
    for (uint64_t p : pids) {
        if (NodeItem* item = itemFor(p))
            item->setSelected(true);
    }
    m_selectionOrder.clear();
    for (uint64_t p : pids) {
        if (itemFor(p))
            m_selectionOrder.append(p);
    }
    m_syncingSelection = false;
}

void GraphView::onSceneSelectionChanged()
{
    if (m_syncingSelection)
        return;
    QList<uint64_t> now;
    for (QGraphicsItem* gi : m_scene->selectedItems()) {
        if (gi->type() == NodeItem::Type)
            now.append(static_cast<NodeItem*>(gi)->pid());
    }
    // Keep the order in which things were selected: "link A to B" needs it.
    QList<uint64_t> order;
    for (uint64_t p : m_selectionOrder)
        if (now.contains(p))
            order.append(p);
    for (uint64_t p : now)
        if (!order.contains(p))
            order.append(p);
    m_selectionOrder = order;
    Q_EMIT selectionChangedByUser(m_selectionOrder);
}

void GraphView::setCollapsed(uint64_t pid, bool collapsed)
{
    if (collapsed) {
        m_collapse.collapsed.insert(pid);
        m_collapse.expanded.erase(pid);
    } else {
        m_collapse.collapsed.erase(pid);
        m_collapse.expanded.insert(pid);
    }
    relayout();
}

bool GraphView::isCollapsed(uint64_t pid) const
{
    const LayoutItem* li = m_layout.find(pid);
    return li && li->collapsed;
}

void GraphView::expandAll()
{
    m_collapse.collapsed.clear();
    relayout();
}

void GraphView::wheelEvent(QWheelEvent* event)
{
    const double steps = event->angleDelta().y() / 120.0;
    if (steps == 0) {
        QGraphicsView::wheelEvent(event);
        return;
    }
    zoomBy(std::pow(1.15, steps));
    event->accept();
}

void GraphView::mouseDoubleClickEvent(QMouseEvent* event)
{
    if (QGraphicsItem* gi = itemAt(event->pos()); gi && gi->type() == NodeItem::Type) {
        auto* item = static_cast<NodeItem*>(gi);
        if (item->isAggregate()) {
            const uint64_t parent = item->id() & ~kAggregateBit;
            if (parent) {
                m_options.maxChildrenShown *= 2; // show more of the long list
                relayout();
            }
        } else if (const GraphNode* n = m_state->node(item->pid()); n && !n->children.empty()) {
            setCollapsed(item->pid(), !isCollapsed(item->pid()));
        }
        event->accept();
        return;
    }
    QGraphicsView::mouseDoubleClickEvent(event);
}

void GraphView::contextMenuEvent(QContextMenuEvent* event)
{
    uint64_t pid = 0;
    if (QGraphicsItem* gi = itemAt(event->pos()); gi && gi->type() == NodeItem::Type) {
        auto* item = static_cast<NodeItem*>(gi);
        pid = item->pid();
        if (pid && !item->isSelected()) {
            setSelectedPids({ pid });
            Q_EMIT selectionChangedByUser(m_selectionOrder);
        }
    }
    Q_EMIT contextMenuRequested(pid, event->globalPos());
}

void GraphView::drawBackground(QPainter* painter, const QRectF& rect)
{
    const Theme& th = Theme::current();
    painter->fillRect(rect, th.canvas);
    if (zoom() < 0.35)
        return;
    // A faint dot grid gives a sense of scale while panning.
    const double step = 40;
    painter->setPen(QPen(th.canvasGrid, 2));
    const double left = std::floor(rect.left() / step) * step;
    const double top = std::floor(rect.top() / step) * step;
    QVector<QPointF> dots;
    for (double x = left; x < rect.right(); x += step)
        for (double y = top; y < rect.bottom(); y += step)
            dots.append(QPointF(x, y));
    if (dots.size() < 20000)
        painter->drawPoints(dots.data(), int(dots.size()));
}

void GraphView::paintLegend(QPainter* painter, const QRectF& box, const QFont& f) const
{
    const Theme& th = Theme::current();
    const QFontMetricsF fm(f);
    const double line = fm.height() + 5;
    painter->setPen(QPen(th.groupBorder, 1));
    painter->setBrush(th.legendFill);
    painter->drawRoundedRect(box, 8, 8);

    double y = box.top() + 8;
    auto label = [&](double x, const QString& t) {
        painter->setPen(th.text);
        painter->drawText(QRectF(x, y, 200, line), Qt::AlignLeft | Qt::AlignVCenter, t);
        return x + fm.horizontalAdvance(t) + 14;
    };
    auto swatchShape = [&](double x, NodeKind k) {
        const QRectF r(x, y + 3, 26, line - 6);
        QPainterPath p;
        switch (k) {
        case NodeKind::Supervisor: {
            const double c = 4;
            p.moveTo(r.left() + c, r.top());
            p.lineTo(r.right() - c, r.top());
            p.lineTo(r.right(), r.top() + c);
            p.lineTo(r.right(), r.bottom() - c);
            p.lineTo(r.right() - c, r.bottom());
            p.lineTo(r.left() + c, r.bottom());
            p.lineTo(r.left(), r.bottom() - c);
            p.lineTo(r.left(), r.top() + c);
            p.closeSubpath();
            break;
        }
        case NodeKind::GenServer:
            p.addRoundedRect(r, 4, 4);
            break;
        case NodeKind::Task:
            p.addRoundedRect(r, r.height() / 2, r.height() / 2);
            break;
        case NodeKind::Process:
            p.addRect(r);
            break;
        }
        painter->setPen(QPen(th.nodeBorder, 1));
        painter->setBrush(th.nodeFill[int(k)]);
        painter->drawPath(p);
        return x + 32;
    };
    double x = box.left() + 10;
    x = label(swatchShape(x, NodeKind::Supervisor), tr("S supervisor"));
    x = label(swatchShape(x, NodeKind::GenServer), tr("G GenServer"));
    x = label(swatchShape(x, NodeKind::Task), tr("T task"));
    label(swatchShape(x, NodeKind::Process), tr("P process"));

    y += line;
    x = box.left() + 10;
    for (NodeStatus s : { NodeStatus::Running, NodeStatus::Waiting, NodeStatus::Exiting, NodeStatus::Dead }) {
        painter->fillRect(QRectF(x, y + 4, 6, line - 8), th.status[int(s)]);
        x = label(x + 10, QString::fromLatin1(nodeStatusName(s)));
    }
    label(x, tr("·trap traps exits  ↻N restarts"));

    y += line;
    x = box.left() + 10;
    x = label(x, tr("Mailbox:"));
    const char* const names[] = { "0", "1–10", "11–1000", ">1000" };
    const int64_t depths[] = { 0, 5, 50, 5000 };
    for (int i = 0; i < 4; ++i) {
        const QRectF br(x, y + 3, 24, line - 6);
        painter->setPen(Qt::NoPen);
        painter->setBrush(th.badgeColor(depths[i]));
        painter->drawRoundedRect(br, br.height() / 2, br.height() / 2);
        x = label(x + 28, QString::fromUtf8(names[i]));
    }

    y += line;
    x = box.left() + 10;
    painter->setPen(QPen(th.linkEdge, 2.2));
    painter->drawLine(QPointF(x, y + line / 2), QPointF(x + 30, y + line / 2));
    x = label(x + 36, m_showLinks ? tr("link") : tr("link (hidden)"));
    QPen mon(th.monitorEdge, 1.8, Qt::DashLine);
    mon.setDashPattern({ 5, 4 });
    painter->setPen(mon);
    painter->drawLine(QPointF(x, y + line / 2), QPointF(x + 30, y + line / 2));
    QPainterPath arrow;
    addArrow(arrow, QPointF(x + 34, y + line / 2), QPointF(x + 20, y + line / 2));
    painter->setPen(Qt::NoPen);
    painter->setBrush(th.monitorEdge);
    painter->drawPath(arrow);
    x = label(x + 40, m_showMonitors ? tr("monitor (watcher → target)") : tr("monitor (hidden)"));
    painter->setPen(QPen(th.treeEdge, 1.4));
    painter->drawLine(QPointF(x, y + line / 2), QPointF(x + 24, y + line / 2));
    label(x + 30, tr("spawned / supervised"));

    y += line;
    x = box.left() + 10;
    painter->setPen(Qt::NoPen);
    painter->setBrush(th.signalKill);
    painter->drawEllipse(QPointF(x + 6, y + line / 2), 5, 5);
    x = label(x + 16, tr("exit signal"));
    painter->setBrush(th.flash);
    painter->drawEllipse(QPointF(x + 6, y + line / 2), 5, 5);
    x = label(x + 16, tr("restart flash"));
    label(x, tr("▸ N collapsed (double-click)"));
}

void GraphView::drawForeground(QPainter* painter, const QRectF&)
{
    if (!m_showLegend)
        return;
    const Theme& th = Theme::current();
    painter->save();
    painter->resetTransform();
    painter->setRenderHint(QPainter::Antialiasing, true);
    QFont f = font();
    const double pt = f.pointSizeF() > 0 ? f.pointSizeF() : 9;
    f.setPointSizeF(pt * 0.85);
    painter->setFont(f);
    const QFontMetricsF fm(f);
    const double line = fm.height() + 5;
    const double w = 430;
    const double h = line * 5 + 16;
    const QRectF box(10, viewport()->height() - h - 10, w, h);
    m_legendHeight = h;
    // The legend only changes with the font, the theme and the link/monitor toggles: drawn once into a pixmap
    // (at the same sub-pixel offset), not on every repaint of a busy graph.
    const qreal dpr = painter->device() ? painter->device()->devicePixelRatioF() : 1.0;
    const double fracY = box.top() - std::floor(box.top());
    const QString key = f.toString() + QLatin1Char('|') + QString::number(dpr) + QLatin1Char('|')
        + QString::number(fracY) + QLatin1Char('|') + QString::number(int(m_showLinks) * 2 + int(m_showMonitors));
    if (m_legendPixmap.isNull() || key != m_legendKey) {
        m_legendKey = key;
        m_legendPixmap = QPixmap(QSize(int(std::ceil((w + 3) * dpr)), int(std::ceil((h + 4) * dpr))));
        m_legendPixmap.setDevicePixelRatio(dpr);
        m_legendPixmap.fill(Qt::transparent);
        QPainter lp(&m_legendPixmap);
        lp.setRenderHints(painter->renderHints() | QPainter::Antialiasing);
        lp.setFont(f);
        paintLegend(&lp, QRectF(1, 1 + fracY, w, h), f); // 1 px of room for the border's outer half
    }
    painter->drawPixmap(QPointF(box.left() - 1, std::floor(box.top()) - 1), m_legendPixmap);

    // Scale hint, top right.
    const QString counts = tr("%1 shown of %2 processes · zoom %3%")
                               .arg(QLocale().toString(qulonglong(m_layout.shownNodes)))
                               .arg(QLocale().toString(qulonglong(m_layout.totalNodes)))
                               .arg(int(zoom() * 100));
    const double cw = fm.horizontalAdvance(counts) + 20;
    const QRectF cbox(viewport()->width() - cw - 10, 10, cw, line + 6);
    painter->setPen(QPen(th.groupBorder, 1));
    painter->setBrush(th.legendFill);
    painter->drawRoundedRect(cbox, 6, 6);
    painter->setPen(th.subtleText);
    painter->drawText(cbox, Qt::AlignCenter, counts);
    painter->restore();
}

QImage GraphView::renderImage(double scale)
{
    flushLayout();
    const QRectF src = m_scene->itemsBoundingRect().adjusted(-30, -30, 30, 30);
    QSizeF size = src.size() * scale;
    const double maxSide = 12000;
    if (size.width() > maxSide || size.height() > maxSide)
        size.scale(maxSide, maxSide, Qt::KeepAspectRatio);
    QImage img(size.toSize(), QImage::Format_ARGB32_Premultiplied);
    img.fill(Theme::current().canvas);
    QPainter p(&img);
    p.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    m_scene->render(&p, QRectF(QPointF(0, 0), size), src);
    return img;
}

bool GraphView::exportPng(const QString& path) { return renderImage(1.0).save(path, "PNG"); }

bool GraphView::exportSvg(const QString& path)
{
    flushLayout();
    const QRectF src = m_scene->itemsBoundingRect().adjusted(-30, -30, 30, 30);
    QSvgGenerator gen;
    gen.setFileName(path);
    gen.setSize(src.size().toSize());
    gen.setViewBox(QRectF(QPointF(0, 0), src.size()));
    gen.setTitle(QStringLiteral("Vigil process graph"));
    QPainter p;
    if (!p.begin(&gen))
        return false;
    p.fillRect(QRectF(QPointF(0, 0), src.size()), Theme::current().canvas);
    m_scene->render(&p, QRectF(QPointF(0, 0), src.size()), src);
    return p.end();
}

} // namespace vigil
