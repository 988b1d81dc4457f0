#pragma once

// Places the visible part of the process tree: supervisors above their children in start order, runs of
// childless siblings packed into framed grids (two or three of them stacked in one column, so that a typical
// application tree stays about as wide as a window at a readable zoom), big subtrees collapsed and long child lists cut off with one
// aggregate node that carries the count. Plain C++ so it can be tested without a window; positions are in scene
// units (top-left corner of each node).

#include "graphstate.h"

#include <cstdint>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace vigil {

constexpr uint64_t kAggregateBit = uint64_t(1) << 63;
inline bool isAggregateId(uint64_t id) { return (id & kAggregateBit) != 0; }
inline uint64_t aggregateIdFor(uint64_t parentPid) { return kAggregateBit | parentPid; }

struct LayoutOptions {
    double nodeWidth = 150;
    double nodeHeight = 44;
    double hGap = 14;
    double vGap = 56;
    double gridGap = 14;
    size_t gridMinRun = 2; // this many childless siblings in a row go into a framed group
    size_t stackMaxRun = 5; // groups this small are one column (a stack): the tree stays narrow
    size_t gridMinColumns = 3;
    size_t maxChildrenShown = 96; // more children than this: the rest become one aggregate node
    size_t autoCollapseAbove = 1500; // subtrees bigger than this start collapsed unless expanded
    size_t maxDepth = 64; // deeper nodes are shown collapsed
};

struct LayoutItem {
    uint64_t id = 0; // pid, or aggregateIdFor(parent)
    uint64_t parent = 0; // drawn parent (0 = root)
    double x = 0;
    double y = 0;
    bool inGrid = false; // part of a framed group; no individual tree edge
    bool collapsed = false; // has hidden descendants
    size_t hidden = 0; // hidden descendants (collapsed) or processes stood for (aggregate)
    int64_t mailboxSum = 0; // aggregate: total mailbox depth of what it stands for
};

struct LayoutGroup {
    uint64_t parent = 0;
    double x = 0;
    double y = 0;
    double width = 0;
    double height = 0;
    size_t count = 0;
    bool allLinkedToParent = false;
};

struct LayoutResult {
    std::vector<LayoutItem> items;
    std::vector<LayoutGroup> groups;
    std::unordered_map<uint64_t, size_t> index; // id -> items[i]
    double width = 0;
    double height = 0;
    size_t totalNodes = 0; // processes in the tree
    size_t shownNodes = 0; // processes drawn individually

    const LayoutItem* find(uint64_t id) const
    {
        auto it = index.find(id);
        return it == index.end() ? nullptr : &items[it->second];
    }
};

struct CollapseState {
    std::unordered_set<uint64_t> collapsed; // the user collapsed these
    std::unordered_set<uint64_t> expanded; // the user expanded these (overrides auto-collapse)
    bool isCollapsed(uint64_t pid, size_t subtreeSize, const LayoutOptions& o) const
    {
        if (collapsed.count(pid))
            return true;
        return subtreeSize > o.autoCollapseAbove && !expanded.count(pid);
    }
};

LayoutResult computeLayout(const GraphState& state, const CollapseState& collapse, const LayoutOptions& options = {});

} // namespace vigil
