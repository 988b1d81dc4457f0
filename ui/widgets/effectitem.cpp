#include "effectitem.h"

#include "theme.h"

#include <QApplication>
#include <QFontMetricsF>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace vigil {

EffectItem::EffectItem(QPainterPath travel, QPointF anchor, QString text, QColor color, qint64 startMs)
    : m_travel(std::move(travel))
    , m_anchor(anchor)
    , m_text(std::move(text))
    , m_color(std::move(color))
    , m_start(startMs)
{
    setZValue(10);
    setAcceptedMouseButtons(Qt::NoButton);
    if (m_travel.isEmpty())
        m_progress = 1;
}

QRectF EffectItem::bubbleRectAt(QPointF anchor, const QString& text)
{
    QFont f = QApplication::font();
    f.setPointSizeF((f.pointSizeF() > 0 ? f.pointSizeF() : 9) * 0.9);
    f.setBold(true); // measured as painted
    const QFontMetricsF fm(f);
    const double w = std::min(380.0, fm.horizontalAdvance(text) + 24);
    return QRectF(anchor.x() - w / 2, anchor.y() - 30, w, 22);
}

QPointF EffectItem::freeAnchor(QPointF anchor, const QString& text, const std::vector<EffectItem*>& others)
{
    // The same words at about the same place (the layout may have moved a little since) read as one bubble: a
    // process that hears the same thing every second gets one bubble, not a tower of them.
    for (const EffectItem* e : others)
        if (e->m_text == text && std::hypot(e->m_anchor.x() - anchor.x(), e->m_anchor.y() - anchor.y()) < 60)
            return e->m_anchor;
    auto coveredBy = [&](QPointF at) -> const EffectItem* {
        const QRectF r = bubbleRectAt(at, text).adjusted(-2, -2, 2, 2);
        for (const EffectItem* e : others)
            if (e->bubbleRect().intersects(r))
                return e;
        return nullptr;
    };
    QPointF at = anchor;
    // A few steps at most: past that the bubbles would float far from their process.
    for (int step = 0; step < 6; ++step) {
        const EffectItem* other = coveredBy(at);
        if (!other)
            return at;
        // A neighbour's bubble: slide sideways just clear of it, if that stays over the process; else go up.
        const QRectF mine = bubbleRectAt(at, text);
        const QRectF theirs = other->bubbleRect();
        const double right = theirs.right() + 4 - mine.left();
        const double left = mine.right() + 4 - theirs.left();
        const QPointF side = at + QPointF(right <= left ? right : -left, 0);
        if (std::abs(side.x() - anchor.x()) < mine.width() * 0.6 && !coveredBy(side))
            return side;
        at.ry() -= mine.height() + 4;
    }
    return at;
}

QRectF EffectItem::boundingRect() const
{
    return m_travel.boundingRect().adjusted(-10, -10, 10, 10).united(bubbleRect().adjusted(-4, -4, 4, 4));
}

bool EffectItem::animate(qint64 nowMs)
{
    const qint64 t = nowMs - m_start;
    const qint64 travelMs = m_travel.isEmpty() ? 0 : kTravelMs;
    if (t < travelMs) {
        m_progress = double(t) / double(travelMs);
        m_bubble = 0;
    } else {
        m_progress = 1;
        const double b = double(t - travelMs) / double(kBubbleMs);
        m_bubble = b < 0.75 ? 1 : std::max(0.0, 1 - (b - 0.75) / 0.25);
    }
    update();
    return t < travelMs + kBubbleMs;
}

void EffectItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*)
{
    const Theme& th = Theme::current();
    painter->setRenderHint(QPainter::Antialiasing, true);
    if (!m_travel.isEmpty() && m_progress < 1) {
        // The signal: a glowing dot with a short trail.
        QColor trail = m_color;
        trail.setAlphaF(0.35);
        QPainterPath part;
        const double from = std::max(0.0, m_progress - 0.25);
        part.moveTo(m_travel.pointAtPercent(from));
        for (double p = from; p <= m_progress; p += 0.02)
            part.lineTo(m_travel.pointAtPercent(std::min(p, 1.0)));
        painter->setPen(QPen(trail, 5, Qt::SolidLine, Qt::RoundCap));
        painter->setBrush(Qt::NoBrush);
        painter->drawPath(part);
        const QPointF at = m_travel.pointAtPercent(m_progress);
        painter->setPen(QPen(th.canvas, 2));
        painter->setBrush(m_color);
        painter->drawEllipse(at, 7, 7);
    }
    if (m_bubble > 0.01) {
        painter->setOpacity(m_bubble);
        const QRectF r = bubbleRect();
        painter->setPen(QPen(m_color, 1.5));
        QColor fill = th.legendFill;
        fill.setAlpha(245);
        painter->setBrush(fill);
        painter->drawRoundedRect(r, 6, 6);
        QFont f = QApplication::font();
        f.setPointSizeF((f.pointSizeF() > 0 ? f.pointSizeF() : 9) * 0.9);
        f.setBold(true);
        painter->setFont(f);
        painter->setPen(th.text);
        painter->drawText(r.adjusted(8, 0, -8, 0), Qt::AlignCenter,
            QFontMetricsF(f).elidedText(m_text, Qt::ElideRight, r.width() - 16));
    }
}

} // namespace vigil
