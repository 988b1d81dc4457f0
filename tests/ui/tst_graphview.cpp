// The graph view on a synthetic event stream (no runtime): items appear, move and go as the state changes.

#include "graphscene.h"
#include "graphview.h"
#include "nodeitem.h"

#include "synthetic.h"

#include <gtest/gtest.h>

#include <QImage>
#include <QPainter>

using namespace vigil;
using vigil::test::EventScript;

namespace {

struct ViewFixture {
    GraphState state;
    EventScript script;
    GraphView view { &state };
    size_t applied = 0;

    // Applies the events added since the last call and hands the delta to the view, as the bridge does.
    void apply()
    {
        for (; applied < script.events.size(); ++applied)
            state.apply(script.events[applied], int64_t(applied) * 1000);
        view.applyDelta(state.takeDelta());
    }
    QRectF rect(uint64_t id) const
    {
        NodeItem* item = view.itemFor(id);
        return item ? QRectF(item->pos(), item->body().size()) : QRectF();
    }
    // Ids of drawn items whose rectangles overlap another item's.
    std::vector<uint64_t> overlapping() const
    {
        std::vector<uint64_t> out;
        const auto& items = view.currentLayout().items;
        for (size_t i = 0; i < items.size(); ++i)
            for (size_t j = i + 1; j < items.size(); ++j) {
                const QRectF a = rect(items[i].id);
                const QRectF b = rect(items[j].id);
                if (!a.isNull() && !b.isNull() && a.intersects(b))
                    out.push_back(items[j].id);
            }
        return out;
    }
};

} // namespace

TEST(GraphViewPlacement, NewChildGetsAnItemAtOnceBesideItsSiblings)
{
    ViewFixture f;
    f.script.spawn(100, 0, "sup", "supervisor");
    for (uint64_t c = 101; c <= 103; ++c)
        f.script.spawnLink(c, 100);
    f.apply();
    f.view.flushLayout();
    ASSERT_NE(f.view.itemFor(103), nullptr);
    int placedSignals = 0;
    QObject::connect(&f.view, &GraphView::nodesPlaced, [&] { ++placedSignals; });

    f.script.spawnLink(104, 100);
    f.apply(); // no layout run
    NodeItem* fresh = f.view.itemFor(104);
    ASSERT_NE(fresh, nullptr) << "placed without waiting for the full layout";
    EXPECT_EQ(placedSignals, 1);
    EXPECT_DOUBLE_EQ(f.rect(104).top(), f.rect(103).top()) << "on the row of its last sibling";
    EXPECT_GT(f.rect(104).left(), f.rect(103).right()) << "to the right of it";
    EXPECT_TRUE(f.overlapping().empty());
    EXPECT_EQ(f.view.shownAs(104), 104u);

    // The full layout keeps the same item and puts it where the layout wants it.
    f.view.flushLayout();
    EXPECT_EQ(f.view.itemFor(104), fresh);
    const LayoutItem* li = f.view.currentLayout().find(104);
    ASSERT_NE(li, nullptr);
    EXPECT_EQ(fresh->pos(), QPointF(li->x, li->y));
    EXPECT_TRUE(f.overlapping().empty());
}

TEST(GraphViewPlacement, FirstChildGoesUnderItsParent)
{
    ViewFixture f;
    f.script.spawn(100, 0, "lonely");
    f.apply();
    f.view.flushLayout();
    f.script.spawn(101, 100);
    f.apply();
    ASSERT_NE(f.view.itemFor(101), nullptr);
    EXPECT_GT(f.rect(101).top(), f.rect(100).bottom());
    EXPECT_DOUBLE_EQ(f.rect(101).left(), f.rect(100).left());
}

TEST(GraphViewPlacement, RestartedChildTakesTheOldPlaceAtOnce)
{
    ViewFixture f;
    f.script.spawn(100, 0, "sup", "supervisor");
    const char* ids[] = { "a", "b", "c" };
    for (uint64_t c = 101; c <= 103; ++c) {
        f.script.spawnLink(c, 100);
        f.script.childStarted(100, c, ids[c - 101]);
    }
    f.apply();
    f.view.flushLayout();
    const QPointF slot = f.view.itemFor(102)->pos();
    f.script.exit(102, Term::atom("killed"));
    f.script.spawnLink(104, 100);
    f.script.childRestarted(100, 102, 104, "b", 1);
    f.apply();
    ASSERT_NE(f.view.itemFor(104), nullptr);
    EXPECT_EQ(f.view.itemFor(104)->pos(), slot);
    f.view.flushLayout();
    EXPECT_EQ(f.view.itemFor(104)->pos(), slot) << "the full layout agrees";
    EXPECT_EQ(f.view.itemFor(102), nullptr);
}

TEST(GraphViewPlacement, NothingIsPlacedUnderACollapsedParentOrPastTheChildLimit)
{
    ViewFixture f;
    LayoutOptions o;
    o.maxChildrenShown = 4;
    f.view.setLayoutOptions(o);
    f.script.spawn(100, 0, "folded");
    f.script.spawn(101, 100);
    f.script.spawn(200, 0, "long");
    for (uint64_t c = 201; c <= 206; ++c)
        f.script.spawn(c, 200);
    f.apply();
    f.view.setCollapsed(100, true);
    f.view.flushLayout();
    ASSERT_NE(f.view.itemFor(aggregateIdFor(200)), nullptr);

    f.script.spawn(102, 100);
    f.script.spawn(207, 200);
    f.apply();
    EXPECT_EQ(f.view.itemFor(102), nullptr);
    EXPECT_EQ(f.view.shownAs(102), 100u) << "stood for by the collapsed parent";
    EXPECT_EQ(f.view.itemFor(207), nullptr);
    EXPECT_EQ(f.view.shownAs(207), aggregateIdFor(200));
}

TEST(GraphViewAggregate, ProcessesBehindTheAggregateStayCurrent)
{
    ViewFixture f;
    LayoutOptions o;
    o.maxChildrenShown = 4;
    f.view.setLayoutOptions(o);
    f.script.spawn(100, 0, "parent");
    for (uint64_t c = 101; c <= 107; ++c)
        f.script.spawn(c, 100);
    f.script.spawn(110, 106); // a grandchild behind the aggregate too
    f.apply();
    f.view.flushLayout();
    const uint64_t agg = aggregateIdFor(100);
    NodeItem* item = f.view.itemFor(agg);
    ASSERT_NE(item, nullptr);
    EXPECT_EQ(item->hidden(), 4u); // 105, 106 (+110), 107
    EXPECT_EQ(item->mailboxSum(), 0);

    // Mail for hidden processes shows on the aggregate at once, with no layout in between.
    f.script.queue(106, 100, Term::atom("a"));
    f.script.queue(110, 100, Term::atom("b"));
    f.script.queue(110, 100, Term::atom("c"));
    f.apply();
    EXPECT_EQ(f.view.itemFor(agg), item);
    EXPECT_EQ(item->mailboxSum(), 3);
    f.script.receive(110, Term::atom("b"));
    f.apply();
    EXPECT_EQ(item->mailboxSum(), 2);

    // A hidden child that dies and leaves the tree is no longer counted; nor is its mail.
    f.script.exit(106, Term::atom("normal"));
    f.apply();
    EXPECT_EQ(item->mailboxSum(), 1) << "a dead process's mailbox is gone";
    f.state.tick(int64_t(60) * 1'000'000'000); // long after the linger time
    f.view.applyDelta(f.state.takeDelta());
    f.view.flushLayout();
    ASSERT_NE(f.view.itemFor(agg), nullptr);
    EXPECT_EQ(f.view.itemFor(agg)->hidden(), 3u) << "105, 110 (moved up into 106's place) and 107";
    EXPECT_EQ(f.view.itemFor(106), nullptr);
    EXPECT_EQ(f.view.shownAs(110), agg);
    EXPECT_EQ(f.view.itemFor(agg)->mailboxSum(), 1);

    // A shown child leaving brings a hidden one forward, drawn with what it has now.
    f.script.queue(105, 100, Term::atom("d"));
    f.script.exit(101, Term::atom("normal"));
    f.apply();
    f.state.tick(int64_t(120) * 1'000'000'000);
    f.view.applyDelta(f.state.takeDelta());
    f.view.flushLayout();
    ASSERT_NE(f.view.itemFor(105), nullptr);
    EXPECT_EQ(f.view.itemFor(105)->mailbox(), 1);
    EXPECT_EQ(f.view.itemFor(agg)->hidden(), 2u); // 110, 107
    EXPECT_EQ(f.view.itemFor(agg)->mailboxSum(), 1);
    for (const LayoutItem& li : f.view.currentLayout().items) {
        if (isAggregateId(li.id))
            continue;
        const GraphNode* n = f.state.node(li.id);
        ASSERT_NE(n, nullptr) << "no item for a forgotten process";
        EXPECT_TRUE(n->inTree) << pidText(li.id) << " left the tree but is still drawn";
        EXPECT_EQ(f.view.itemFor(li.id)->mailbox(), n->mailbox) << pidText(li.id);
    }
}

namespace {

// The whole scene into an image, as an export does: through the scene's direct painting or Qt's default.
QImage renderScene(GraphView& view, double scale, bool direct)
{
    auto* scene = static_cast<GraphScene*>(view.scene());
    scene->setDirectPainting(direct);
    const QRectF src = scene->itemsBoundingRect();
    QImage img((src.size() * scale).toSize(), QImage::Format_ARGB32_Premultiplied);
    img.fill(Qt::white);
    QPainter p(&img);
    p.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    scene->render(&p, QRectF(QPointF(0, 0), QSizeF(img.size())), src);
    p.end();
    scene->setDirectPainting(true);
    return img;
}

} // namespace

TEST(GraphViewRender, DirectPaintingDrawsWhatQtsDefaultDraws)
{
    ViewFixture f;
    LayoutOptions o;
    o.maxChildrenShown = 4;
    f.view.setLayoutOptions(o);
    f.script.spawn(100, 0, "sup", "supervisor");
    for (uint64_t c = 101; c <= 107; ++c)
        f.script.spawnLink(c, 100);
    f.script.spawn(110, 102, "worker", "gen_server");
    f.script.spawn(111, 102);
    f.script.link(101, 103);
    f.script.queue(101, 100, Term::atom("hello"));
    f.apply();
    f.view.flushLayout();
    f.script.signal(100, 104, Term::atom("boom"), SignalOutcome::Killed); // an effect item on top
    f.script.exit(104, Term::atom("boom"));
    f.apply();
    f.view.setSelectedPids({ 102 });
    ASSERT_FALSE(f.view.activeEffectTexts().isEmpty());
    ASSERT_NE(f.view.itemFor(aggregateIdFor(100)), nullptr);
    ASSERT_NE(f.view.itemFor(104), nullptr);
    ASSERT_GT(f.view.linkEdgeCount(), 0);

    // Near (text, badges, outlines) and far (blocks, the selected node still outlined), down to sub-pixel nodes.
    for (double scale : { 1.0, 0.5, 0.25, 0.1, 0.02 }) {
        // Once before comparing: a node's text is laid out at its first paint, and glyphs drawn the first time
        // can differ a little from later draws.
        renderScene(f.view, scale, false);
        const QImage direct = renderScene(f.view, scale, true);
        EXPECT_TRUE(static_cast<GraphScene*>(f.view.scene())->lastPaintWasDirect());
        const QImage qt = renderScene(f.view, scale, false);
        ASSERT_EQ(direct.size(), qt.size());
        int differ = 0;
        for (int y = 0; y < qt.height(); ++y)
            for (int x = 0; x < qt.width(); ++x)
                differ += direct.pixel(x, y) != qt.pixel(x, y);
        EXPECT_EQ(differ, 0) << "at scale " << scale;
    }
}
