#include "graphscene.h"

#include "nodeitem.h"

#include <QGraphicsItem>
#include <QPainter>
#include <QStyleOptionGraphicsItem>

namespace vigil {

namespace {

// What the direct path can paint exactly as Qt's default would: a top-level item without children, effect, clip,
// cache or widget machinery, placed by a plain translation.
bool paintsDirectly(QGraphicsItem* item)
{
    constexpr QGraphicsItem::GraphicsItemFlags special = QGraphicsItem::ItemClipsToShape
        | QGraphicsItem::ItemClipsChildrenToShape | QGraphicsItem::ItemIgnoresTransformations
        | QGraphicsItem::ItemContainsChildrenInShape;
    return !item->parentItem() && item->childItems().isEmpty() && !item->graphicsEffect()
        && item->cacheMode() == QGraphicsItem::NoCache && !item->isWidget() && !(item->flags() & special)
        && item->sceneTransform().type() <= QTransform::TxTranslate;
}

} // namespace

void GraphScene::drawItems(QPainter* painter, int numItems, QGraphicsItem* items[],
    const QStyleOptionGraphicsItem options[], QWidget* widget)
{
    for (int i = 0; i < numItems; ++i) {
        if (!m_direct || !paintsDirectly(items[i])) {
            m_lastDirect = false;
            QGraphicsScene::drawItems(painter, numItems, items, options, widget);
            return;
        }
    }
    m_lastDirect = true;
    // The items come bottom to top. Every item sets the painter state it draws with (the view paints them the same
    // way, with DontSavePainterState), so the state is not saved around each; opacity is set per item as Qt does.
    const QTransform view = painter->worldTransform();
    const qreal opacity = painter->opacity();
    const double lod = QStyleOptionGraphicsItem::levelOfDetailFromTransform(view);
    bool blocks = false; // the painter is set up for node blocks: the view's transform, no antialiasing
    for (int i = 0; i < numItems; ++i) {
        QGraphicsItem* item = items[i];
        if ((item->flags() & QGraphicsItem::ItemHasNoContents) || qFuzzyIsNull(item->opacity()))
            continue;
        if (item->type() == NodeItem::Type) {
            auto* node = static_cast<NodeItem*>(item);
            if (node->paintsAsBlock(lod)) {
                if (!blocks) {
                    painter->setWorldTransform(view);
                    painter->setOpacity(opacity);
                    painter->setRenderHint(QPainter::Antialiasing, false);
                    blocks = true;
                }
                node->paintBlock(painter, node->pos());
                continue;
            }
        }
        blocks = false;
        const QTransform& st = item->sceneTransform();
        painter->setWorldTransform(QTransform::fromTranslate(st.dx(), st.dy()) * view);
        painter->setOpacity(opacity * item->opacity());
        item->paint(painter, &options[i], widget);
    }
    painter->setWorldTransform(view);
    painter->setOpacity(opacity);
}

} // namespace vigil
