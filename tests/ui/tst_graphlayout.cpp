#include "graphlayout.h"
#include "synthetic.h"

#include <gtest/gtest.h>

using namespace vigil;
using vigil::test::EventScript;

namespace {

bool overlaps(const LayoutItem& a, const LayoutItem& b, const LayoutOptions& o)
{
    return a.x < b.x + o.nodeWidth && b.x < a.x + o.nodeWidth && a.y < b.y + o.nodeHeight
        && b.y < a.y + o.nodeHeight;
}

void expectNoOverlap(const LayoutResult& r, const LayoutOptions& o)
{
    for (size_t i = 0; i < r.items.size(); ++i)
        for (size_t j = i + 1; j < r.items.size(); ++j)
            ASSERT_FALSE(overlaps(r.items[i], r.items[j], o)) << "items " << r.items[i].id << " and " << r.items[j].id;
}

} // namespace

TEST(GraphLayout, ParentsAboveChildrenInOrderWithoutOverlap)
{
    GraphState g;
    EventScript s;
    s.spawn(1, 0, "root", "supervisor");
    s.spawn(2, 1, "sup a", "supervisor");
    s.spawn(3, 1, "sup b", "supervisor");
    for (uint64_t c = 10; c < 14; ++c)
        s.spawn(c, 2);
    for (uint64_t c = 20; c < 23; ++c)
        s.spawn(c, 3);
    s.spawn(30, 20);
    g.apply(s.events, 0);
    LayoutOptions o;
    const LayoutResult r = computeLayout(g, {}, o);
    EXPECT_EQ(r.items.size(), g.nodes().size());
    expectNoOverlap(r, o);
    EXPECT_LT(r.find(1)->y, r.find(2)->y);
    EXPECT_LT(r.find(2)->y, r.find(10)->y);
    EXPECT_LT(r.find(2)->x, r.find(3)->x) << "start order left to right";
    // Four childless siblings are a stack (at most stackMaxRun are): start order top to bottom, one column.
    ASSERT_GE(o.stackMaxRun, 4u);
    EXPECT_LT(r.find(10)->y, r.find(11)->y);
    EXPECT_EQ(r.find(10)->x, r.find(13)->x);
    EXPECT_LT(r.find(20)->y, r.find(30)->y);
}

TEST(GraphLayout, ManyLeavesGoIntoAGrid)
{
    GraphState g;
    EventScript s;
    s.spawn(1, 0, "pool", "supervisor");
    for (uint64_t c = 100; c < 160; ++c)
        s.spawnLink(c, 1);
    g.apply(s.events, 0);
    LayoutOptions o;
    const LayoutResult r = computeLayout(g, {}, o);
    expectNoOverlap(r, o);
    ASSERT_EQ(r.groups.size(), 1u);
    EXPECT_EQ(r.groups[0].count, 60u);
    EXPECT_TRUE(r.groups[0].allLinkedToParent);
    EXPECT_TRUE(r.find(100)->inGrid);
    EXPECT_LT(r.width, 60 * (o.nodeWidth + o.hGap) / 2) << "a grid, not one long row";
}

TEST(GraphLayout, HugeTreesAggregateAndCollapse)
{
    GraphState g;
    EventScript s;
    s.spawn(1, 0, "big", "supervisor");
    for (uint64_t c = 1000; c < 101000; ++c)
        s.spawn(c, 1);
    s.spawn(2, 0, "small");
    g.apply(s.events, 0);
    LayoutOptions o;
    CollapseState c;
    LayoutResult r = computeLayout(g, c, o);
    EXPECT_EQ(r.totalNodes, 100002u);
    ASSERT_NE(r.find(1), nullptr);
    EXPECT_TRUE(r.find(1)->collapsed) << "auto-collapsed above the threshold";
    EXPECT_EQ(r.find(1)->hidden, 100000u);
    EXPECT_LE(r.items.size(), 3u);

    c.expanded.insert(1);
    r = computeLayout(g, c, o);
    const LayoutItem* agg = r.find(aggregateIdFor(1));
    ASSERT_NE(agg, nullptr);
    EXPECT_EQ(agg->hidden, 100000u - o.maxChildrenShown);
    EXPECT_LE(r.items.size(), o.maxChildrenShown + 3);
    expectNoOverlap(r, o);

    c.expanded.clear();
    c.collapsed.insert(2);
    r = computeLayout(g, c, o);
    EXPECT_FALSE(r.find(2)->collapsed) << "a leaf has nothing to hide";
}
