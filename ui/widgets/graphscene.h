#pragma once

// The graph's scene. QGraphicsScene::render() (the whole graph into an image: PNG/SVG export, screenshots) paints
// every item through drawItems(); Qt's default saves and restores the painter, replays its clip and builds a second
// style option for each item, which for ten thousand nodes costs more than painting them. This one paints
// top-level items directly, and far-away nodes as blocks in scene coordinates with no painter change in between.
// Anything it does not handle (children, effects, clipping, caching) goes through Qt's default. The view's own
// painting does not pass through here. GUI thread only.

#include <QGraphicsScene>

namespace vigil {

class GraphScene : public QGraphicsScene {
    Q_OBJECT
public:
    using QGraphicsScene::QGraphicsScene;

    // Off: every item through Qt's default (tests compare the two).
    void setDirectPainting(bool on) { m_direct = on; }
    bool lastPaintWasDirect() const { return m_lastDirect; }

protected:
    void drawItems(QPainter* painter, int numItems, QGraphicsItem* items[], const QStyleOptionGraphicsItem options[],
        QWidget* widget = nullptr) override;

private:
    bool m_direct = true;
    bool m_lastDirect = false;
};

} // namespace vigil
