#include "edgelayeritem.h"

#include <QPainter>
#include <QStyleOptionGraphicsItem>

namespace vigil {

EdgeLayerItem::EdgeLayerItem(qreal z)
{
    setZValue(z);
    setAcceptedMouseButtons(Qt::NoButton);
}

void EdgeLayerItem::setPen(const QPen& pen)
{
    m_pen = pen;
    update();
}

void EdgeLayerItem::setFill(const QBrush& brush)
{
    m_fill = brush;
    update();
}

void EdgeLayerItem::setPath(QPainterPath path, QPainterPath arrows)
{
    prepareGeometryChange();
    m_path = std::move(path);
    m_arrows = std::move(arrows);
    const qreal w = m_pen.widthF() + 4;
    m_bounds = m_path.boundingRect().united(m_arrows.boundingRect()).adjusted(-w, -w, w, w);
    update();
}

void EdgeLayerItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*)
{
    const double lod = option->levelOfDetailFromTransform(painter->worldTransform());
    painter->setRenderHint(QPainter::Antialiasing, lod > 0.35);
    if (lod < 0.3) {
        // Zoomed far out: thin cosmetic lines draw thousands of edges much faster than scaled wide ones.
        QPen thin = m_pen;
        thin.setCosmetic(true);
        thin.setWidthF(1);
        painter->setPen(thin);
    } else {
        painter->setPen(m_pen);
    }
    painter->setBrush(m_fill);
    painter->drawPath(m_path);
    if (!m_arrows.isEmpty()) {
        painter->setPen(Qt::NoPen);
        painter->setBrush(m_pen.color());
        painter->drawPath(m_arrows);
    }
}

} // namespace vigil
