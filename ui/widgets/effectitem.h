#pragma once

// A transient picture of one event: an exit signal travelling along the path that carried it and then a bubble
// at the receiver saying what it did (trapped → message, died, ignored), or a bubble alone (restart, gave up).
// GUI thread only.

#include <QGraphicsItem>
#include <QPainterPath>

#include <vector>

namespace vigil {

class EffectItem : public QGraphicsItem {
public:
    enum { Type = UserType + 3 };
    // travel may be empty (no path: bubble only). The bubble is anchored at `anchor` (scene coordinates).
    EffectItem(QPainterPath travel, QPointF anchor, QString text, QColor color, qint64 startMs);

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

    // False when finished (the owner deletes it).
    bool animate(qint64 nowMs);
    const QString& text() const { return m_text; }
    QRectF bubbleRect() const { return bubbleRectAt(m_anchor, m_text); } // scene coordinates

    // Where a new bubble with this text can be anchored so that it covers none of the others' bubbles: at `anchor`,
    // or stacked above it. (Two exit signals reaching one process in the same frame drew two bubbles on one spot.)
    static QPointF freeAnchor(QPointF anchor, const QString& text, const std::vector<EffectItem*>& others);

    static constexpr qint64 kTravelMs = 700;
    static constexpr qint64 kBubbleMs = 2600;

private:
    static QRectF bubbleRectAt(QPointF anchor, const QString& text);

    QPainterPath m_travel;
    QPointF m_anchor;
    QString m_text;
    QColor m_color;
    qint64 m_start;
    double m_progress = 0; // 0..1 along the path
    double m_bubble = 0; // bubble opacity
};

} // namespace vigil
