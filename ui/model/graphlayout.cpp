#include "graphlayout.h"

#include <algorithm>
#include <cmath>

namespace vigil {

namespace {

// One horizontal slot under a parent: a whole subtree, a grid of childless siblings, or the aggregate node.
struct Slot {
    enum class Type : uint8_t { Subtree, Grid, Aggregate } type = Type::Subtree;
    uint64_t pid = 0; // Subtree
    std::vector<uint64_t> members; // Grid
    size_t columns = 0;
    size_t aggregated = 0; // Aggregate
    int64_t mailboxSum = 0;
    double width = 0;
    double height = 0;
};

struct NodeBlock {
    std::vector<Slot> slots;
    double rowWidth = 0;
    double rowHeight = 0;
    double width = 0;
    double height = 0;
    bool collapsed = false;
    size_t hidden = 0;
};

class Layouter {
public:
    Layouter(const GraphState& s, const CollapseState& c, const LayoutOptions& o)
        : m_state(s)
        , m_collapse(c)
        , m_o(o)
    {
    }

    LayoutResult run()
    {
        countSubtrees();
        NodeBlock root;
        buildSlots(0, m_state.roots(), root, 0);
        root.width = root.rowWidth;
        root.height = root.rowHeight;
        placeRow(0, root, 0, 0);
        m_result.width = root.width;
        m_result.height = root.height;
        m_result.totalNodes = m_sizes.size();
        return std::move(m_result);
    }

private:
    double slotWidth() const { return m_o.nodeWidth + m_o.hGap; }

    // Subtree sizes (descendants, excluding the node) and mailbox totals, without recursion.
    void countSubtrees()
    {
        m_sizes.reserve(m_state.nodes().size());
        std::vector<std::pair<uint64_t, bool>> stack;
        for (uint64_t r : m_state.roots())
            stack.emplace_back(r, false);
        while (!stack.empty()) {
            auto [pid, done] = stack.back();
            stack.pop_back();
            const GraphNode* n = m_state.node(pid);
            if (!n)
                continue;
            if (!done) {
                stack.emplace_back(pid, true);
                for (uint64_t c : n->children)
                    stack.emplace_back(c, false);
                continue;
            }
            size_t size = 0;
            int64_t mail = n->mailbox;
            for (uint64_t c : n->children) {
                size += 1 + m_sizes[c];
                mail += m_mail[c];
            }
            m_sizes[pid] = size;
            m_mail[pid] = mail;
        }
    }

    bool visibleLeaf(uint64_t pid, size_t depth) const
    {
        const GraphNode* n = m_state.node(pid);
        if (!n || n->children.empty())
            return true;
        return depth + 1 >= m_o.maxDepth || m_collapse.isCollapsed(pid, m_sizes.at(pid), m_o);
    }

    void buildSlots(uint64_t parent, const CompactVector<uint64_t>& children, NodeBlock& block, size_t depth)
    {
        const size_t shown = std::min(children.size(), m_o.maxChildrenShown);
        size_t i = 0;
        while (i < shown) {
            // A run of childless siblings?
            size_t j = i;
            while (j < shown && visibleLeaf(children[j], depth + 1))
                ++j;
            if (j - i >= m_o.gridMinRun) {
                Slot g;
                g.type = Slot::Type::Grid;
                g.members.assign(children.begin() + ptrdiff_t(i), children.begin() + ptrdiff_t(j));
                const size_t n = g.members.size();
                g.columns = n <= m_o.stackMaxRun
                    ? 1
                    : std::min(n, std::max(m_o.gridMinColumns, size_t(std::ceil(std::sqrt(double(n) * 1.6)))));
                const size_t rows = (n + g.columns - 1) / g.columns;
                g.width = double(g.columns) * slotWidth() + m_o.gridGap;
                g.height = double(rows) * (m_o.nodeHeight + m_o.gridGap) + m_o.gridGap;
                block.slots.push_back(std::move(g));
                i = j;
                continue;
            }
            if (j == i)
                j = i + 1; // a node with visible children
            for (size_t k = i; k < j; ++k) {
                Slot s;
                s.type = Slot::Type::Subtree;
                s.pid = children[k];
                NodeBlock& nb = m_blocks[s.pid];
                buildBlock(s.pid, nb, depth + 1);
                s.width = nb.width;
                s.height = nb.height;
                block.slots.push_back(std::move(s));
            }
            i = j;
        }
        if (children.size() > shown) {
            Slot a;
            a.type = Slot::Type::Aggregate;
            for (size_t k = shown; k < children.size(); ++k) {
                a.aggregated += 1 + m_sizes[children[k]];
                a.mailboxSum += m_mail[children[k]];
            }
            a.pid = aggregateIdFor(parent);
            a.width = slotWidth();
            a.height = m_o.nodeHeight;
            block.slots.push_back(std::move(a));
        }
        for (const Slot& s : block.slots) {
            block.rowWidth += s.width;
            block.rowHeight = std::max(block.rowHeight, s.height);
        }
    }

    void buildBlock(uint64_t pid, NodeBlock& block, size_t depth)
    {
        const GraphNode* n = m_state.node(pid);
        block.width = slotWidth();
        block.height = m_o.nodeHeight;
        if (!n || n->children.empty())
            return;
        if (visibleLeaf(pid, depth)) {
            block.collapsed = true;
            block.hidden = m_sizes[pid];
            return;
        }
        buildSlots(pid, n->children, block, depth);
        block.width = std::max(block.width, block.rowWidth);
        block.height = m_o.nodeHeight + m_o.vGap + block.rowHeight;
    }

    size_t add(LayoutItem item)
    {
        m_result.index[item.id] = m_result.items.size();
        m_result.items.push_back(item);
        return m_result.items.size() - 1;
    }

    void placeNode(uint64_t pid, uint64_t parent, double left, double top, bool inGrid, double width)
    {
        LayoutItem item;
        item.id = pid;
        item.parent = parent;
        item.inGrid = inGrid;
        item.y = top;
        item.x = left + (width - m_o.nodeWidth) / 2;
        auto it = m_blocks.find(pid);
        if (it != m_blocks.end()) {
            item.collapsed = it->second.collapsed;
            item.hidden = it->second.hidden;
        } else if (const GraphNode* n = m_state.node(pid); n && !n->children.empty()) {
            item.collapsed = true; // a grid member with hidden children
            item.hidden = m_sizes[pid];
        }
        add(item);
        ++m_result.shownNodes;
        if (it != m_blocks.end() && !it->second.slots.empty())
            placeRow(pid, it->second, left + (width - it->second.rowWidth) / 2, top + m_o.nodeHeight + m_o.vGap);
    }

    void placeRow(uint64_t parent, const NodeBlock& block, double left, double top)
    {
        double x = left;
        for (const Slot& s : block.slots) {
            switch (s.type) {
            case Slot::Type::Subtree:
                placeNode(s.pid, parent, x, top, false, s.width);
                break;
            case Slot::Type::Aggregate: {
                LayoutItem a;
                a.id = s.pid;
                a.parent = parent;
                a.x = x + m_o.hGap / 2;
                a.y = top;
                a.hidden = s.aggregated;
                a.mailboxSum = s.mailboxSum;
                add(a);
                break;
            }
            case Slot::Type::Grid: {
                LayoutGroup g;
                g.parent = parent;
                g.x = x + m_o.hGap / 2 - m_o.gridGap / 2;
                g.y = top;
                g.width = s.width - m_o.hGap + m_o.gridGap / 2;
                g.height = s.height;
                g.count = s.members.size();
                g.allLinkedToParent = parent != 0;
                for (size_t k = 0; k < s.members.size(); ++k) {
                    const size_t col = k % s.columns;
                    const size_t row = k / s.columns;
                    const double cx = x + m_o.gridGap / 2 + double(col) * slotWidth();
                    const double cy = top + m_o.gridGap + double(row) * (m_o.nodeHeight + m_o.gridGap);
                    placeNode(s.members[k], parent, cx, cy, true, slotWidth());
                    if (g.allLinkedToParent && !m_state.linked(parent, s.members[k]))
                        g.allLinkedToParent = false;
                }
                m_result.groups.push_back(g);
                break;
            }
            }
            x += s.width;
        }
    }

    const GraphState& m_state;
    const CollapseState& m_collapse;
    const LayoutOptions& m_o;
    std::unordered_map<uint64_t, size_t> m_sizes;
    std::unordered_map<uint64_t, int64_t> m_mail;
    std::unordered_map<uint64_t, NodeBlock> m_blocks;
    LayoutResult m_result;
};

} // namespace

LayoutResult computeLayout(const GraphState& state, const CollapseState& collapse, const LayoutOptions& options)
{
    return Layouter(state, collapse, options).run();
}

} // namespace vigil
