#pragma once

#include <algorithm>

// The observer's picture of the runtime, in plain C++ (no Qt): every process with its links, monitors, mailbox
// depth and place in the supervision tree, kept up to date by applying trace events in sequence order. Views
// never rebuild from it wholesale; they read what changed from the GraphDelta that each apply produces.

#include "compactvector.h"
#include "internedstring.h"
#include "recentevents.h"
#include "sparsestring.h"
#include "runtime/runtime.h"
#include "trace/event.h"

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace vigil {

enum class NodeKind : uint8_t { Process, GenServer, Task, Supervisor };
enum class NodeStatus : uint8_t { Waiting, Running, Exiting, Dead };

const char* nodeKindName(NodeKind kind);
const char* nodeStatusName(NodeStatus status);
NodeKind nodeKindFor(std::string_view behaviour);
std::string pidText(uint64_t serial); // #PID<0.N.0>
// Short text for a label-like term: strings unquoted, atoms without the colon, anything else inspected.
std::string labelText(const Term& t, size_t limit = 80);
// {M, F, A} as Elixir writes it (Cache.init/1, :proc_lib.init_p/5); other terms inspected.
std::string mfaText(const Term& t);

struct MonitorEdge {
    uint64_t ref = 0; // Term::asReference() of the monitor reference
    uint64_t pid = 0; // target (in monitors) or watcher (in monitoredBy)
    bool operator==(const MonitorEdge&) const = default;
};

// What most processes never have (a label, a registered name, a place under a supervisor, monitors on them, a
// death): kept apart from GraphNode and allocated on first write, so a million plain idle processes cost a pointer
// each for all of it.
struct NodeExtras {
    uint64_t supervisor = 0; // set once a supervisor reported this process as its child
    SparseString label; // inspect text of the label term ("" = none)
    InternedString behaviour; // "gen_server", "supervisor", "task", ... ("" = plain process)
    InternedString initialCall; // "Mod.fun/arity" or ""
    SparseString registeredName; // "" = none
    SparseString childId; // supervisor child id (inspect text)
    SparseString strategy; // a supervisor's restart strategy as its ChildStarted events name it ("" = not known yet)
    Term childIdTerm; // the id itself, for supervisor operations (nil = not a supervised child)
    uint64_t restartedFrom = 0; // previous pid of the same supervised child
    uint64_t replacedBy = 0; // pid that took over this child's place
    CompactVector<MonitorEdge> monitoredBy; // who monitors this process
    CompactVector<uint64_t> linksAtDeath; // the links it had when it died (the paths its exit signal takes)
    std::string exitReason; // inspect text once dead (a std::string: a death allocates the extras, not also a text)
    int64_t diedNs = 0; // runtime clock
    int64_t diedWallNs = 0; // observer clock, drives lingering

    static const NodeExtras& none();
};

// Owns a node's NodeExtras, if it has any; copying a node copies them.
class NodeExtrasPtr {
public:
    NodeExtrasPtr() = default;
    NodeExtrasPtr(const NodeExtrasPtr& o)
        : m_p(o.m_p ? std::make_unique<NodeExtras>(*o.m_p) : nullptr)
    {
    }
    NodeExtrasPtr(NodeExtrasPtr&&) noexcept = default;
    NodeExtrasPtr& operator=(const NodeExtrasPtr& o)
    {
        if (this != &o)
            m_p = o.m_p ? std::make_unique<NodeExtras>(*o.m_p) : nullptr;
        return *this;
    }
    NodeExtrasPtr& operator=(NodeExtrasPtr&&) noexcept = default;

    const NodeExtras* get() const { return m_p.get(); }
    NodeExtras& make()
    {
        if (!m_p)
            m_p = std::make_unique<NodeExtras>();
        return *m_p;
    }

private:
    std::unique_ptr<NodeExtras> m_p;
};

struct GraphNode {
    uint64_t pid = 0;
    uint64_t spawner = 0; // 0 = the host
    uint64_t treeParent = 0; // where the graph draws it (supervisor, else spawner, else a live ancestor; 0 = root)
    CompactVector<uint64_t> children; // tree children in start order

    // The small fields share eight bytes, and the mailbox depth and GraphState's bookkeeping another eight: with a
    // map entry's key and link a node then fits a 128-byte heap chunk (see GraphState::m_nodes).
    NodeKind kind = NodeKind::Process;
    NodeStatus status = NodeStatus::Waiting;
    bool alive : 1 = true;
    bool inTree : 1 = true; // drawn in the graph (dead nodes linger a little, then leave the tree)
    bool trapExit : 1 = false;
    bool supervisorGaveUp : 1 = false;
    bool statsDriven : 1 = false; // counters come from MailboxStats (message events are sampled)
    bool hostPseudo : 1 = false; // a host thread's pseudo-process: listed, not drawn
    uint32_t restarts = 0;

    int32_t mailbox = 0; // messages waiting (set through setMailbox, which keeps a huge count at the top)
    uint32_t touchedInDelta = 0; // GraphState's bookkeeping: the delta that lists this node as changed
    uint64_t messagesIn = 0;
    uint64_t messagesOut = 0;
    uint64_t reductions = 0;

    CompactVector<uint64_t> links; // this side's half of each link, sorted
    CompactVector<MonitorEdge> monitors; // what this process monitors

    RecentEvents recent; // last lifecycle events about this process (messages excluded), oldest first

    void setMailbox(uint64_t messages) { mailbox = int32_t(std::min<uint64_t>(messages, INT32_MAX)); }

    // The rarely set fields: read through extras() (defaults when none were ever written), written through
    // editExtras(), which allocates them on first use.
    const NodeExtras& extras() const { return m_extras.get() ? *m_extras.get() : NodeExtras::none(); }
    NodeExtras& editExtras() { return m_extras.make(); }
    bool hasExtras() const { return m_extras.get() != nullptr; }

    // Text the graph and table show first: registered name, else label, else initial call, else "".
    std::string displayName() const { return displayNameRef(); }
    const std::string& displayNameRef() const
    {
        const NodeExtras& x = extras();
        return !x.registeredName.empty() ? x.registeredName.str() : !x.label.empty() ? x.label.str() : x.initialCall.str();
    }

private:
    NodeExtrasPtr m_extras;
};

// A visual consequence of one event, replayed by the graph view.
struct SignalEffect {
    uint64_t from = 0;
    uint64_t to = 0;
    std::string reason;
    SignalOutcome outcome = SignalOutcome::None;
    bool viaLink = false; // the two were linked when the signal was sent
};
struct RestartEffect {
    uint64_t supervisor = 0;
    uint64_t oldPid = 0;
    uint64_t newPid = 0;
    uint32_t count = 0;
};

// What changed in one apply (or since the last takeDelta()).
struct GraphDelta {
    std::vector<uint64_t> added; // new nodes (table rows), in order of appearance
    std::vector<uint64_t> changed; // attributes changed (includes added), each pid once, in order of first change
    std::vector<uint64_t> erased; // nodes gone from the state altogether
    bool structureChanged = false; // tree membership or order changed: relayout
    bool edgesChanged = false; // links or monitors changed
    bool resynced = false; // state was rebuilt from a snapshot
    std::vector<SignalEffect> signals;
    std::vector<RestartEffect> restarts;
    std::vector<uint64_t> gaveUp; // supervisors that exceeded their intensity
    uint64_t events = 0;
    uint64_t messagesSent = 0;
    uint64_t exits = 0;
    uint64_t folded = 0; // short-lived processes counted but not materialised (see Options)

    bool empty() const
    {
        return added.empty() && changed.empty() && erased.empty() && !structureChanged && !edgesChanged
            && !resynced && signals.empty() && restarts.empty() && gaveUp.empty() && events == 0;
    }
    void clear() { *this = GraphDelta {}; }
};

class GraphState {
public:
    struct Options {
        int64_t lingerNs = 2'500'000'000; // a dead process stays in the graph this long
        size_t keepDead = 500; // dead processes kept for the table (oldest forgotten first)
        int64_t activeNs = 400'000'000; // "running" this long after its last message activity
        size_t recentPerNode = 24;
        // A batch in which more processes than this are born and die (and play no other part: no children, not
        // supervised, not registered) keeps only the last this-many of them; the others are counted, not
        // materialised. A storm of short-lived processes then costs a scan, not a node, a table row and a
        // graph item each.
        size_t keepShortLivedPerBatch = 64;
    };

    GraphState();
    explicit GraphState(Options options);

    const Options& options() const { return m_options; }
    void setOptions(const Options& o) { m_options = o; }

    // Applies events in sequence order; events at or below the last snapshot's seq are skipped.
    void apply(const TraceEvent& e, int64_t wallNs);
    // resyncFollows: the batch is known to be incomplete (events were lost) and a resync() will rebuild the state
    // from a snapshot soon. Then every process born in the batch that plays no part a snapshot cannot restore (a
    // parent of another process born here, a supervised child, a registered name) is skipped whether it died or not:
    // the snapshot brings the ones still alive, the others are counted as folded. Events about processes known
    // before the batch are applied as usual.
    void apply(const std::vector<TraceEvent>& events, int64_t wallNs, bool resyncFollows = false);
    // Rebuilds from a consistent snapshot, keeping what snapshots do not carry (child ids, restart counts, ...).
    void resync(const Snapshot& snapshot, int64_t wallNs);
    // Updates counters that have no events (reductions, status) without touching structure.
    void refreshCounters(const Snapshot& snapshot);
    // Time-driven changes: running -> waiting, dead nodes leaving the tree, old dead nodes forgotten.
    void tick(int64_t wallNs);
    // Whether tick() has anything to do (running or lingering processes).
    bool hasTimedWork() const { return !m_active.empty() || !m_lingering.empty(); }
    // Forgets every dead process now.
    void clearDead();

    GraphDelta takeDelta();
    const GraphDelta& pendingDelta() const { return m_delta; }

    const GraphNode* node(uint64_t pid) const;
    const std::unordered_map<uint64_t, GraphNode>& nodes() const { return m_nodes; }
    const CompactVector<uint64_t>& roots() const { return m_roots; }
    size_t aliveCount() const { return m_alive; }
    // Short-lived processes that were counted but never materialised (see Options::keepShortLivedPerBatch).
    uint64_t foldedCount() const { return m_folded; }
    uint64_t lastSeq() const { return m_lastSeq; }

    bool linked(uint64_t a, uint64_t b) const; // either half present
    // Distinct link pairs (a < b) among processes in the tree.
    std::vector<std::pair<uint64_t, uint64_t>> linkPairs() const;
    // (watcher, target) pairs among processes in the tree, one entry per pair.
    std::vector<std::pair<uint64_t, uint64_t>> monitorPairs() const;
    // Number of processes in the subtree under pid (excluding pid).
    size_t descendantCount(uint64_t pid) const;

    // Structural self-check used by tests: parent/child lists agree, roots are exactly the parentless tree nodes,
    // links are symmetric among live processes. Returns "" when consistent, else a description.
    std::string checkConsistency() const;

private:
    GraphNode* find(uint64_t pid);
    GraphNode& create(uint64_t pid, uint64_t spawner);
    // Lists n in the delta's changed pids once: a node remembers the delta it was last listed in, so touching it again
    // costs a compare instead of a hash-set insert (with a heap node per pid) as events stream in.
    void touch(GraphNode& n)
    {
        if (n.touchedInDelta != m_deltaNumber) {
            n.touchedInDelta = m_deltaNumber;
            m_delta.changed.push_back(n.pid);
        }
    }
    void remember(GraphNode& n, const TraceEvent& e);
    void attach(GraphNode& n, uint64_t parent, size_t index = SIZE_MAX);
    void detach(GraphNode& n);
    void markDead(GraphNode& n, const std::string& reason, int64_t timeNs, int64_t wallNs);
    void dropLinksOf(GraphNode& n);
    void dropMonitorsOf(GraphNode& n);
    void leaveTree(GraphNode& n);
    void compactTree();
    void erase(uint64_t pid);
    void updateStatus(GraphNode& n, int64_t wallNs);
    // The pids of a batch that are born and die in it and play no other part, beyond the ones kept.
    void findFoldable(const std::vector<TraceEvent>& events, bool resyncFollows);
    bool folds(const TraceEvent& e);

    Options m_options;
    std::unordered_map<uint64_t, GraphNode> m_nodes;
    CompactVector<uint64_t> m_roots;
    std::vector<uint64_t> m_lingering; // dead, still in the tree (by death order)
    std::vector<uint64_t> m_dead; // dead, out of the tree (by death order)
    // Running because of recent activity: pid -> when it was last active (observer clock), which drives running ->
    // waiting.
    std::unordered_map<uint64_t, int64_t> m_active;
    std::unordered_set<uint64_t> m_compact; // parents (0 = roots) whose child lists hold nodes that left the tree
    size_t m_alive = 0;
    uint64_t m_folded = 0;
    // Pids folded in the batch being applied: a flag per pid born in the batch (see foldIndex).
    bool folding(uint64_t pid) const
    {
        const size_t i = foldIndex(pid);
        return i < m_foldFlags.size() && m_foldFlags[i];
    }
    // Where a pid born in the batch keeps its state: at pid - m_foldLo when those pids lie in a narrow range (the
    // usual case), else at its place in the sorted m_foldPids (a storm's batch may span millions of pids with a few
    // thousand born in it). SIZE_MAX for any other pid.
    size_t foldIndex(uint64_t pid) const
    {
        if (!m_foldSparse)
            return pid >= m_foldLo && pid - m_foldLo < m_foldSpan ? size_t(pid - m_foldLo) : SIZE_MAX;
        auto it = std::lower_bound(m_foldPids.begin(), m_foldPids.end(), pid);
        return it != m_foldPids.end() && *it == pid ? size_t(it - m_foldPids.begin()) : SIZE_MAX;
    }
    uint64_t m_foldLo = 0;
    uint64_t m_foldSpan = 0;
    bool m_foldSparse = false;
    std::vector<uint64_t> m_foldPids; // sparse: the pids born in the batch, sorted
    std::vector<uint8_t> m_foldFlags;
    size_t m_foldCount = 0;
    std::vector<uint32_t> m_foldState; // findFoldable's per-pid state, kept for its capacity
    std::vector<uint32_t> m_foldDeaths;
    uint64_t m_lastSeq = 0;
    uint64_t m_snapshotSeq = 0;
    GraphDelta m_delta;
    uint32_t m_deltaNumber = 1; // counts takeDelta() calls; see touch() (never 0: see takeDelta)
    bool m_erasedSinceDelta = false; // changed may list pids no longer in the state
};

} // namespace vigil
