// The graph view on a synthetic event stream (no runtime): items appear, move and go as the state changes.

#include "graphview.h"
#include "nodeitem.h"

#include "synthetic.h"

#include <gtest/gtest.h>

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
