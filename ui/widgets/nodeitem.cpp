#include "nodeitem.h"

#include <QGraphicsScene>

#include "theme.h"

#include <QLocale>
#include <QPainter>
#include <QStyleOptionGraphicsItem>

#include <memory>
#include <vector>

namespace vigil {

namespace {
constexpr double kMargin = 12; // room for the badge and the flash glow
constexpr qint64 kFlashMs = 1600;
const std::string kNoReason;

// The status colour's stripe at a node body's left edge.
QRectF statusStripe(const QRectF& body) { return QRectF(body.left() + 4, body.top() + 6, 6, body.height() - 12); }

QStaticText plainText(const QString& s)
{
    QStaticText t(s);
    t.setTextFormat(Qt::PlainText);
    return t;
}

// Draws one laid-out line in rect as drawText(rect, align, ...) would place it (vertically centred).
void drawLine(QPainter* p, const QRectF& rect, const QStaticText& t, double lineHeight, bool hcenter)
{
    const double x = hcenter ? rect.left() + (rect.width() - t.size().width()) / 2 : rect.left();
    p->drawStaticText(QPointF(x, rect.top() + (rect.height() - lineHeight) / 2), t);
}

// Mailbox depths that read the same on a badge (countText) have the same key.
int64_t shownCount(int64_t n)
{
    if (n >= 1'000'000)
        return 2'000'000'000 + n / 100'000;
    if (n >= 10'000)
        return 1'000'000'000 + n / 1000;
    return n;
}

QString countText(int64_t n)
{
    if (n >= 1'000'000)
        return QString::number(double(n) / 1e6, 'f', 1) + QLatin1Char('M');
    if (n >= 10'000)
        return QString::number(n / 1000) + QLatin1Char('k');
    return QString::number(n);
}
} // namespace

NodeItem::NodeItem(uint64_t id, double width, double height)
    : m_id(id)
    , m_w(width)
    , m_h(height)
{
    setFlag(ItemIsSelectable, !isAggregateId(id));
    setAcceptHoverEvents(true);
    setZValue(1);
    if (!isAggregateId(id))
        m_pidText = QString::fromStdString(pidText(id));
}

QRectF NodeItem::boundingRect() const { return QRectF(-kMargin, -kMargin, m_w + 2 * kMargin, m_h + 2 * kMargin); }

QPainterPath NodeItem::shape() const
{
    QPainterPath p;
    p.addRect(body());
    return p;
}

namespace {

QPainterPath makeBody(bool aggregate, NodeKind kind, const QRectF& r)
{
    QPainterPath p;
    if (aggregate) {
        p.addRoundedRect(r, 8, 8);
        return p;
    }
    switch (kind) {
    case NodeKind::Supervisor: {
        const double c = 12; // chamfered corners: an octagon
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
        p.addRoundedRect(r, 10, 10);
        break;
    case NodeKind::Task:
        p.addRoundedRect(r, r.height() / 2, r.height() / 2);
        break;
    case NodeKind::Process:
        p.addRect(r);
        break;
    }
    return p;
}

// Every node of a kind has the same outline: made once (and its status stripe, the outline's left 6 px, too)
// instead of on every paint. GUI thread only.
struct Outline {
    bool aggregate;
    NodeKind kind;
    double w;
    double h;
    QPainterPath body;
    QPainterPath stripe;
};

const Outline& outlineFor(bool aggregate, NodeKind kind, double w, double h)
{
    static std::vector<std::unique_ptr<Outline>> cache;
    for (const auto& o : cache)
        if (o->aggregate == aggregate && o->kind == kind && o->w == w && o->h == h)
            return *o;
    auto o = std::make_unique<Outline>();
    o->aggregate = aggregate;
    o->kind = kind;
    o->w = w;
    o->h = h;
    o->body = makeBody(aggregate, kind, QRectF(0, 0, w, h));
    QPainterPath band;
    band.addRect(QRectF(0, 0, 6, h));
    o->stripe = o->body.intersected(band);
    cache.push_back(std::move(o));
    return *cache.back();
}

} // namespace

QPainterPath NodeItem::bodyPath() const { return outlineFor(isAggregate(), m_kind, m_w, m_h).body; }

void NodeItem::updateFrom(const GraphNode& n)
{
    // Called for every changed process on every drain: compare the source fields before making any string.
    const std::string& name = n.displayNameRef();
    const std::string& reason = n.alive ? kNoReason : n.extras().exitReason;
    const bool same = n.kind == m_kind && n.status == m_status && n.mailbox == m_mailbox && n.restarts == m_restarts
        && n.trapExit == m_trap && n.supervisorGaveUp == m_gaveUp && name == m_titleSource && reason == m_reasonSource
        && !m_title.isEmpty() && n.extras().strategy.size() == size_t(m_strategy.size());
    if (same)
        return;
    // What the text says (laid out once per change): everything but the mailbox, which only has the badge.
    const bool sameText = n.kind == m_kind && n.status == m_status && n.restarts == m_restarts && n.trapExit == m_trap
        && name == m_titleSource && reason == m_reasonSource && n.extras().strategy.size() == size_t(m_strategy.size());
    // A mailbox change the badge does not show (12,345 and 12,400 both read "12k") repaints nothing.
    const bool visible = !sameText || n.supervisorGaveUp != m_gaveUp || m_title.isEmpty()
        || shownCount(n.mailbox) != shownCount(m_mailbox) || (n.mailbox > 0) != (m_mailbox > 0);
    if (n.kind != m_kind)
        prepareGeometryChange();
    if (name != m_titleSource || n.kind != m_kind || m_title.isEmpty()) {
        m_titleSource = name;
        m_title = QString::fromStdString(name);
        if (m_title.isEmpty())
            m_title = QString::fromLatin1(nodeKindName(n.kind));
    }
    if (reason != m_reasonSource) {
        m_reasonSource = reason;
        m_reason = QString::fromStdString(reason);
    }
    if (n.extras().strategy.size() != size_t(m_strategy.size()))
        m_strategy = QString::fromStdString(n.extras().strategy); // set once: a supervisor keeps its strategy
    m_kind = n.kind;
    m_status = n.status;
    m_mailbox = n.mailbox;
    m_restarts = n.restarts;
    m_trap = n.trapExit;
    m_gaveUp = n.supervisorGaveUp;
    if (!sameText)
        m_text.valid = false;
    m_text.badgeValid = false;
    if (isUnderMouse())
        setToolTip(toolTipText());
    if (visible)
        update();
}

QString NodeItem::toolTipText() const
{
    if (isAggregate())
        return QStringLiteral("%1 more processes (total mailbox %2).\nExpand the parent or search by pid to see one.")
            .arg(QLocale().toString(qulonglong(m_hidden)))
            .arg(m_mailboxSum);
    return m_pidText + QStringLiteral("  ") + m_title + QStringLiteral("\n") + QString::fromLatin1(nodeKindName(m_kind))
        + QStringLiteral(", ") + QString::fromLatin1(nodeStatusName(m_status))
        + (m_strategy.isEmpty() ? QString() : QStringLiteral(", strategy :") + m_strategy)
        + (m_trap ? QStringLiteral(", traps exits") : QString()) + QStringLiteral("\nmailbox: ")
        + QString::number(m_mailbox) + QStringLiteral(", restarts: ") + QString::number(m_restarts)
        + (m_reason.isEmpty() ? QString() : QStringLiteral("\nexited: ") + m_reason);
}

void NodeItem::hoverEnterEvent(QGraphicsSceneHoverEvent* event)
{
    // The tooltip is made when the pointer arrives, not on every change of the process.
    setToolTip(toolTipText());
    QGraphicsItem::hoverEnterEvent(event);
}

void NodeItem::updateLayout(const LayoutItem& item)
{
    const QPointF p(item.x, item.y);
    if (pos() != p)
        setPos(p);
    if (item.collapsed != m_collapsed || item.hidden != m_hidden || item.mailboxSum != m_mailboxSum) {
        m_collapsed = item.collapsed;
        m_hidden = item.hidden;
        m_mailboxSum = item.mailboxSum;
        if (isAggregate() && isUnderMouse())
            setToolTip(toolTipText());
        update();
    }
}

void NodeItem::flash(qint64 nowMs, const QColor& color)
{
    m_flashStart = nowMs;
    m_flashColor = color;
    m_flashLevel = 1;
    update();
}

bool NodeItem::animate(qint64 nowMs)
{
    if (m_flashStart < 0)
        return false;
    const double t = double(nowMs - m_flashStart) / kFlashMs;
    if (t >= 1) {
        m_flashStart = -1;
        m_flashLevel = 0;
        update();
        return false;
    }
    // Three pulses that fade out.
    m_flashLevel = (1 - t) * (0.55 + 0.45 * std::cos(t * 3 * 2 * M_PI));
    update();
    return true;
}

QFont NodeItem::baseFont() const { return scene() ? scene()->font() : QFont(); }

void NodeItem::prepareBadge()
{
    const QString badge = countText(m_mailbox);
    m_text.badge = plainText(badge);
    m_text.badgeWidth = std::max(20.0, QFontMetricsF(m_text.badgeFont).horizontalAdvance(badge) + 10);
    m_text.badgeValid = true;
}

void NodeItem::prepareText(const QFont& base)
{
    Text& t = m_text;
    t.base = base;
    const bool dead = m_status == NodeStatus::Dead;
    const double width = m_w - 46; // the text column: right of the kind glyph, 8 from the right edge
    // A little larger than the UI font: the graph is usually seen zoomed out.
    const double basePt = (base.pointSizeF() > 0 ? base.pointSizeF() : 9) * 1.15;
    QFont f = base;

    f.setPointSizeF(basePt * 0.9);
    f.setBold(true);
    t.letterFont = f;
    static const char* const letters[] = { "P", "G", "T", "S" };
    t.letter = plainText(QString::fromLatin1(letters[int(m_kind)]));
    t.letterHeight = QFontMetricsF(f).height();

    f.setPointSizeF(basePt);
    f.setBold(true);
    f.setStrikeOut(false);
    // A long name gets a little smaller (twice at most) before it is cut off.
    bool fits = false;
    for (double step : { 0.88, 0.78, 0.0 }) {
        fits = QFontMetricsF(f).horizontalAdvance(m_title) <= width;
        if (fits || step == 0.0)
            break;
        f.setPointSizeF(basePt * step);
    }
    t.titleFont = f;
    const QFontMetricsF fm(f);
    // Shaping is the costly part: elide only what does not fit.
    t.title = plainText(fits ? m_title : fm.elidedText(m_title, Qt::ElideRight, width));
    t.titleHeight = fm.height();

    f.setBold(false);
    f.setPointSizeF(basePt * 0.85);
    QString second = m_pidText;
    if (dead && !m_reason.isEmpty())
        second += QStringLiteral("  ✝ ") + m_reason;
    else if (m_restarts > 0)
        second += QStringLiteral("  ↻%1").arg(m_restarts);
    // Every supervisor traps exits: on one the strategy tag says more.
    if (m_trap && !dead && m_strategy.isEmpty())
        second += QStringLiteral(" ·trap");
    bool secondFits = QFontMetricsF(f).horizontalAdvance(second) <= width;
    if (!secondFits) {
        f.setPointSizeF(basePt * 0.76);
        secondFits = QFontMetricsF(f).horizontalAdvance(second) <= width;
    }
    t.secondFont = f;
    const QFontMetricsF fm2(f);
    t.second = plainText(secondFits ? second : fm2.elidedText(second, Qt::ElideRight, width));
    t.secondHeight = fm2.height();

    f.setBold(true);
    f.setPointSizeF(basePt * 0.8);
    t.badgeFont = f;
    t.badgeHeight = QFontMetricsF(f).height();
    prepareBadge();

    f.setBold(false);
    f.setPointSizeF(basePt * 0.72);
    t.strategyFont = f;
    const QFontMetricsF fs(f);
    t.strategy = plainText(m_strategy);
    t.strategyWidth = fs.horizontalAdvance(m_strategy) + 10;
    t.strategyHeight = fs.height();
    t.valid = true;
}

void NodeItem::paintBlock(QPainter* painter, const QPointF& at) const
{
    const Theme& th = Theme::current();
    const QRectF r(at, QSizeF(m_w, m_h));
    if (isAggregate()) {
        painter->fillRect(r, th.nodeBorder);
        painter->fillRect(r.adjusted(1.5, 1.5, -1.5, -1.5), th.groupFill);
        // Its "+ N more" line, a few pixels high at most at this distance, as a bar of its colour.
        painter->fillRect(QRectF(r.left() + r.width() * 0.25, r.top() + r.height() * 0.3, r.width() * 0.5,
                              r.height() * 0.2),
            th.text);
        return;
    }
    painter->fillRect(r, m_gaveUp ? th.signalKill : th.nodeBorder);
    painter->fillRect(
        r.adjusted(1.5, 1.5, -1.5, -1.5), m_status == NodeStatus::Dead ? th.deadFill : th.nodeFill[int(m_kind)]);
    painter->fillRect(statusStripe(r), th.status[int(m_status)]);
}

void NodeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*)
{
    const double lod = option->levelOfDetailFromTransform(painter->worldTransform());
    painter->setRenderHint(QPainter::Antialiasing, lod > 0.35);
    if (paintsAsBlock(lod)) {
        paintBlock(painter, QPointF());
        return;
    }
    const Theme& th = Theme::current();
    const QRectF r = body();
    const QPainterPath path = bodyPath();
    const bool dead = m_status == NodeStatus::Dead;

    if (m_flashLevel > 0.01) {
        QColor glow = m_flashColor;
        glow.setAlphaF(0.55 * m_flashLevel);
        painter->setPen(QPen(glow, 10, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        painter->setBrush(Qt::NoBrush);
        painter->drawPath(path);
    }

    if (isAggregate()) {
        painter->setBrush(th.groupFill);
        painter->setPen(QPen(th.nodeBorder, 1.2, Qt::DashLine));
        painter->drawPath(path);
        painter->setPen(th.text);
        QFont f = baseFont();
        f.setBold(true);
        painter->setFont(f);
        painter->drawText(r.adjusted(6, 4, -6, -r.height() / 2), Qt::AlignCenter,
            QStringLiteral("+ %1 more").arg(QLocale().toString(qulonglong(m_hidden))));
        f.setBold(false);
        f.setPointSizeF(f.pointSizeF() * 0.85);
        painter->setFont(f);
        painter->setPen(th.subtleText);
        painter->drawText(r.adjusted(6, r.height() / 2, -6, -4), Qt::AlignCenter,
            QStringLiteral("mailboxes Σ %1").arg(countText(m_mailboxSum)));
        return;
    }

    const QColor fill = dead ? th.deadFill : th.nodeFill[int(m_kind)];
    const bool selected = isSelected();
    if (lod < kBlockLod && !selected) {
        // Flashing far away: the block over its glow.
        paintBlock(painter, QPointF());
        return;
    }
    painter->setBrush(fill);
    QPen border(selected ? th.selection : (m_gaveUp ? th.signalKill : th.nodeBorder), selected ? 2.6 : 1.1);
    if (dead)
        border.setStyle(Qt::DashLine);
    painter->setPen(border);
    painter->drawPath(path);

    if (lod < kBlockLod) {
        // Selected far away: its outline in the selection colour, and the status stripe.
        painter->fillRect(statusStripe(r), th.status[int(m_status)]);
        return;
    }

    // Status stripe: the outline's left edge.
    painter->fillPath(outlineFor(false, m_kind, m_w, m_h).stripe, th.status[int(m_status)]);

    // Kind glyph.
    const QRectF glyph(r.left() + 12, r.top() + (r.height() - 20) / 2, 20, 20);
    painter->setPen(Qt::NoPen);
    QColor glyphFill = th.status[int(m_status)];
    glyphFill.setAlpha(dead ? 60 : 40);
    painter->setBrush(glyphFill);
    painter->drawEllipse(glyph);
    // Not painter->font(): the view does not save painter state between items (DontSavePainterState), so that
    // would be whatever the previous item left behind.
    const QFont base = baseFont();
    if (!m_text.valid || m_text.base != base)
        prepareText(base);
    else if (!m_text.badgeValid)
        prepareBadge();
    painter->setFont(m_text.letterFont);
    painter->setPen(dead ? th.subtleText : th.text);
    drawLine(painter, glyph, m_text.letter, m_text.letterHeight, true);

    // Name and pid.
    const QRectF textRect(glyph.right() + 6, r.top() + 4, r.right() - glyph.right() - 14, r.height() - 8);
    painter->setFont(m_text.titleFont);
    painter->setPen(dead ? th.subtleText : th.text);
    drawLine(painter, QRectF(textRect.left(), textRect.top(), textRect.width(), textRect.height() / 2), m_text.title,
        m_text.titleHeight, false);
    painter->setFont(m_text.secondFont);
    // A normal or shutdown exit is no error: its reason is grey, the others red.
    const bool quietExit = m_reason == QLatin1String(":normal") || m_reason == QLatin1String(":shutdown")
        || m_reason.startsWith(QLatin1String("{:shutdown,"));
    painter->setPen(dead && !quietExit ? th.signalKill : th.subtleText);
    drawLine(painter,
        QRectF(textRect.left(), textRect.top() + textRect.height() / 2, textRect.width(), textRect.height() / 2),
        m_text.second, m_text.secondHeight, false);

    // Mailbox badge, top right.
    if (!dead) {
        const double bw = m_text.badgeWidth;
        const QRectF br(r.right() - bw + 8, r.top() - 9, bw, 18);
        painter->setPen(QPen(th.canvas, 1.5));
        painter->setBrush(th.badgeColor(m_mailbox));
        painter->drawRoundedRect(br, 9, 9);
        painter->setFont(m_text.badgeFont);
        painter->setPen(m_mailbox > 0 ? th.badgeText : th.subtleText);
        drawLine(painter, br, m_text.badge, m_text.badgeHeight, true);
    }

    // A supervisor's strategy, a tag on its bottom right corner (the collapse marker sits in the middle).
    if (!m_strategy.isEmpty() && m_kind == NodeKind::Supervisor) {
        const double w = m_text.strategyWidth;
        const QRectF sr(r.right() - w - 6, r.bottom() - 7, w, 14);
        painter->setPen(QPen(dead ? th.subtleText : th.nodeBorder, 1));
        painter->setBrush(th.groupFill);
        painter->drawRoundedRect(sr, 7, 7);
        painter->setFont(m_text.strategyFont);
        painter->setPen(dead ? th.subtleText : th.text);
        drawLine(painter, sr, m_text.strategy, m_text.strategyHeight, true);
    }

    // A little larger than the UI font: the graph is usually seen zoomed out.
    const double basePt = (base.pointSizeF() > 0 ? base.pointSizeF() : 9) * 1.15;
    QFont f = base;

    // Collapsed subtree marker, bottom centre.
    if (m_collapsed && m_hidden > 0) {
        f.setBold(true);
        f.setPointSizeF(basePt * 0.8);
        painter->setFont(f);
        const QString t = QStringLiteral("▸ %1").arg(QLocale().toString(qulonglong(m_hidden)));
        const double w = QFontMetricsF(f).horizontalAdvance(t) + 12;
        const QRectF cr(r.center().x() - w / 2, r.bottom() - 8, w, 16);
        painter->setPen(QPen(th.nodeBorder, 1));
        painter->setBrush(th.groupFill);
        painter->drawRoundedRect(cr, 8, 8);
        painter->setPen(th.text);
        painter->drawText(cr, Qt::AlignCenter, t);
    }
}

} // namespace vigil
