#pragma once

// All edges of one kind (tree connectors, links, monitors, group frames) as one cached path: thousands of edges
// cost one item and one draw call, and a toggle hides the whole kind. GUI thread only.

#include <QGraphicsItem>
#include <QPainterPath>
#include <QPen>

namespace vigil {

class EdgeLayerItem : public QGraphicsItem {
public:
    enum { Type = UserType + 2 };
    EdgeLayerItem(qreal z);

    int type() const override { return Type; }
    QRectF boundingRect() const override { return m_bounds; }
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

    void setPen(const QPen& pen);
    void setFill(const QBrush& brush);
    void setPath(QPainterPath path, QPainterPath arrows = {});
    const QPainterPath& path() const { return m_path; }
    int edgeCount() const { return m_count; }
    void setEdgeCount(int n) { m_count = n; }

private:
    QPainterPath m_path;
    QPainterPath m_arrows; // filled with the pen colour
    QPen m_pen;
    QBrush m_fill = Qt::NoBrush;
    QRectF m_bounds;
    int m_count = 0;
};

} // namespace vigil
