#pragma once

// The process graph: supervision tree, link and monitor edges, mailbox badges, exit signals travelling along
// links and restart flashes. Updated incrementally from GraphDelta: items are created, moved and removed, never
// rebuilt wholesale. A new process gets its item as soon as its spawn is applied, next to its siblings (or in the
// place of the child it replaced); the full layout, which tidies up, runs at most five times a second and only
// when the tree changed. GUI thread only.

#include "graphlayout.h"
#include "graphstate.h"

#include <QElapsedTimer>
#include <QGraphicsView>
#include <QPixmap>
#include <QTimer>

#include <unordered_map>

namespace vigil {

class NodeItem;
class EdgeLayerItem;
class EffectItem;

class GraphView : public QGraphicsView {
    Q_OBJECT
public:
    explicit GraphView(const GraphState* state, QWidget* parent = nullptr);
    ~GraphView() override;

    void applyDelta(const GraphDelta& delta);
    // Performs a pending relayout right away (tests, exports).
    void flushLayout();

    void setShowLinks(bool on);
    void setShowMonitors(bool on);
    void setShowLegend(bool on);
    bool showLinks() const { return m_showLinks; }
    bool showMonitors() const { return m_showMonitors; }
    bool showLegend() const { return m_showLegend; }
    void setAnimations(bool on) { m_animations = on; }

    void fitAll();
    void zoomBy(double factor);
    void resetZoom();
    double zoom() const;

    // Makes pid visible (expanding collapsed ancestors), selects and centres it. False if unknown or gone.
    bool focusPid(uint64_t pid);
    void setSelectedPids(const QList<uint64_t>& pids);
    QList<uint64_t> selectedPids() const { return m_selectionOrder; }

    void setCollapsed(uint64_t pid, bool collapsed);
    bool isCollapsed(uint64_t pid) const;
    void expandAll();
    const CollapseState& collapseState() const { return m_collapse; }
    void setLayoutOptions(const LayoutOptions& o);

    NodeItem* itemFor(uint64_t id) const;
    const LayoutResult& currentLayout() const { return m_layout; }
    QStringList activeEffectTexts() const;
    // What is drawn for pid: itself, its nearest collapsed ancestor, or the aggregate node that stands for it
    // (0 = nothing, e.g. it left the tree).
    uint64_t shownAs(uint64_t pid) const;
    int linkEdgeCount() const;
    int monitorEdgeCount() const;

    QImage renderImage(double scale = 1.0);
    bool exportPng(const QString& path);
    bool exportSvg(const QString& path);
    void applyTheme();

Q_SIGNALS:
    void selectionChangedByUser(const QList<uint64_t>& pids);
    void contextMenuRequested(uint64_t pid, const QPoint& globalPos);
    void layoutChanged();
    // Items were created or moved: after a full layout, and after new processes were placed next to their siblings.
    void nodesPlaced();

protected:
    void wheelEvent(QWheelEvent* event) override;
    void drawBackground(QPainter* painter, const QRectF& rect) override;
    void drawForeground(QPainter* painter, const QRectF& rect) override;
    void paintLegend(QPainter* painter, const QRectF& box, const QFont& font) const;
    void contextMenuEvent(QContextMenuEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;

private:
    // fromUpdate: the change came with an update from the bridge, and the next one will likely run the layout.
    void scheduleLayout(bool fromUpdate = false);
    // Gives new processes an item right away; returns how many were placed.
    size_t placeAdded(const std::vector<uint64_t>& added);
    bool provisionalSlot(const GraphNode& n, LayoutItem& out) const;
    void flashPendingRestarts();
    void refreshAggregate(uint64_t id);
    void relayout();
    void rebuildEdges();
    void addEffects(const GraphDelta& delta);
    void startAnimating();
    void onAnimationFrame();
    void onSceneSelectionChanged();
    QPainterPath connectorPath(const QRectF& parent, const QRectF& child) const;
    QPainterPath curvePath(const QRectF& a, const QRectF& b, double bend) const;
    QPainterPath signalPath(uint64_t from, uint64_t to) const;
    QRectF rectOf(uint64_t id) const;
    void assertGuiThread() const;

    const GraphState* m_state;
    QGraphicsScene* m_scene;
    LayoutOptions m_options;
    CollapseState m_collapse;
    LayoutResult m_layout;
    std::unordered_map<uint64_t, NodeItem*> m_items;
    EdgeLayerItem* m_groups;
    EdgeLayerItem* m_tree;
    EdgeLayerItem* m_links;
    EdgeLayerItem* m_monitors;
    std::vector<EffectItem*> m_effects;
    std::vector<NodeItem*> m_flashing;
    std::vector<RestartEffect> m_pendingRestarts; // waiting for the new pid's item
    QTimer m_layoutTimer;
    QTimer m_animTimer;
    QElapsedTimer m_clock;
    qint64 m_lastLayoutMs = -1000;
    bool m_layoutDirty = true;
    bool m_edgesDirty = true;
    bool m_showLinks = true;
    bool m_showMonitors = true;
    bool m_showLegend = true;
    double m_legendHeight = 130;
    QPixmap m_legendPixmap;
    QString m_legendKey;
    bool m_animations = true;
    bool m_fitPending = true;
    bool m_syncingSelection = false;
    QList<uint64_t> m_selectionOrder;
};

} // namespace vigil
