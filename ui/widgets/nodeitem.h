#pragma once

// One process in the graph (or the aggregate "N more" stand-in): shape by kind, status stripe, mailbox badge,
// restart count, collapse marker, restart flash. Holds a copy of what it draws, so painting never reads shared
// state. GUI thread only.

#include "graphlayout.h"
#include "graphstate.h"

#include <QFont>
#include <QGraphicsItem>
#include <QStaticText>

namespace vigil {

class NodeItem : public QGraphicsItem {
public:
    enum { Type = UserType + 1 };
    NodeItem(uint64_t id, double width, double height);

    int type() const override { return Type; }
    QRectF boundingRect() const override;
    QPainterPath shape() const override;
    void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

    uint64_t id() const { return m_id; }
    uint64_t pid() const { return isAggregateId(m_id) ? 0 : m_id; }
    bool isAggregate() const { return isAggregateId(m_id); }
    QRectF body() const { return QRectF(0, 0, m_w, m_h); }
    QPointF center() const { return pos() + QPointF(m_w / 2, m_h / 2); }

    // Copies what is drawn; repaints only when something visible changed. Cheap when nothing did.
    void updateFrom(const GraphNode& n);
    void updateLayout(const LayoutItem& item);
    // Starts the restart flash (ms is the animation clock).
    void flash(qint64 nowMs, const QColor& color);
    // Advances animations; false when nothing is animating any more.
    bool animate(qint64 nowMs);
    // Far away (a whole big tree in one frame) a node that is neither selected nor flashing is a coloured block:
    // its outline, fill and status stripe as plain rectangles (an aggregate's text as a bar), nothing that could
    // be read at that size is left out. paintBlock paints it with its top left at `at` in the painter's
    // coordinates, so the scene can paint many without moving the painter for each.
    static constexpr double kBlockLod = 0.3;
    bool paintsAsBlock(double lod) const { return lod < kBlockLod && !isSelected() && m_flashLevel <= 0.01; }
    void paintBlock(QPainter* painter, const QPointF& at) const;

    NodeKind kind() const { return m_kind; }
    NodeStatus status() const { return m_status; }
    int64_t mailbox() const { return m_mailbox; }
    uint32_t restarts() const { return m_restarts; }
    const QString& title() const { return m_title; }
    const QString& strategy() const { return m_strategy; } // a supervisor's restart strategy, drawn as a tag
    size_t hidden() const { return m_hidden; } // collapsed: hidden descendants; aggregate: processes stood for
    int64_t mailboxSum() const { return m_mailboxSum; } // aggregate: their total mailbox depth

protected:
    void hoverEnterEvent(QGraphicsSceneHoverEvent* event) override;

private:
    QFont baseFont() const;
    QString toolTipText() const;
    QPainterPath bodyPath() const;
    void prepareText(const QFont& base);
    void prepareBadge();

    // The node's text, laid out once per change of what it says (or of the font) instead of on every paint:
    // shaping and eliding text was the largest part of painting a busy graph.
    struct Text {
        bool valid = false;
        bool badgeValid = false; // the mailbox changes far more often than the rest
        QFont base; // the scene font it was made with
        QFont letterFont, titleFont, secondFont, badgeFont, strategyFont;
        QStaticText letter, title, second, badge, strategy;
        double titleHeight = 0, secondHeight = 0, letterHeight = 0, badgeHeight = 0, strategyHeight = 0;
        double badgeWidth = 0, strategyWidth = 0;
    };

    uint64_t m_id;
    double m_w;
    double m_h;
    QString m_title;
    std::string m_titleSource; // what m_title was made from
    std::string m_reasonSource;
    QString m_pidText;
    NodeKind m_kind = NodeKind::Process;
    NodeStatus m_status = NodeStatus::Waiting;
    int64_t m_mailbox = 0;
    uint32_t m_restarts = 0;
    bool m_trap = false;
    bool m_gaveUp = false;
    bool m_collapsed = false;
    size_t m_hidden = 0;
    int64_t m_mailboxSum = 0;
    QString m_reason;
    QString m_strategy;
    qint64 m_flashStart = -1;
    QColor m_flashColor;
    double m_flashLevel = 0;
    Text m_text;
};

} // namespace vigil
