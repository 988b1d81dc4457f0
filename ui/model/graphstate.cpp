#include "graphstate.h"

#include "term/print.h"

#include <algorithm>
#include <set>

namespace vigil {

const char* nodeKindName(NodeKind kind)
{
    switch (kind) {
    case NodeKind::Process:
        return "process";
    case NodeKind::GenServer:
        return "GenServer";
    case NodeKind::Task:
        return "Task";
    case NodeKind::Supervisor:
        return "Supervisor";
    }
    return "process";
}

const char* nodeStatusName(NodeStatus status)
{
    switch (status) {
    case NodeStatus::Waiting:
        return "waiting";
    case NodeStatus::Running:
        return "running";
    case NodeStatus::Exiting:
        return "exiting";
    case NodeStatus::Dead:
        return "dead";
    }
    return "waiting";
}

NodeKind nodeKindFor(std::string_view behaviour)
{
    if (behaviour.find("supervisor") != std::string_view::npos)
        return NodeKind::Supervisor;
    if (behaviour == "gen_server" || behaviour == "agent" || behaviour == "gen_statem" || behaviour == "registry")
        return NodeKind::GenServer;
    if (behaviour == "task")
        return NodeKind::Task;
    return NodeKind::Process;
}

const NodeExtras& NodeExtras::none()
{
    static const NodeExtras empty;
    return empty;
}

namespace {
bool isUnset(const std::string& v) { return v.empty(); }
template <class T>
bool isUnset(const std::vector<T>& v)
{
    return v.empty();
}

// Writes one of a node's rarely set fields; writing the default to a node without extras allocates nothing.
template <class Field, class Value>
void setExtra(GraphNode& n, Field NodeExtras::*field, Value&& value)
{
    if (!n.hasExtras() && isUnset(value))
        return;
    n.editExtras().*field = std::forward<Value>(value);
}
} // namespace

std::string pidText(uint64_t serial) { return "#PID<0." + std::to_string(serial) + ".0>"; }

namespace {
// A module as Elixir code names it: Demo.Worker.1 for an Elixir module, :gen_server for an Erlang one.
std::string moduleText(Atom module)
{
    const std::string m(module.name());
    return m.rfind("Elixir.", 0) == 0 ? m.substr(7) : inspectAtom(module);
}
} // namespace

std::string labelText(const Term& t, size_t limit)
{
    if (t.isBinary())
        return std::string(t.asBinary().substr(0, limit));
    if (t.isAtom()) {
        // Names read better bare: Demo.Worker.1 rather than :"Elixir.Demo.Worker.1".
        std::string s(t.asAtom().name());
        if (s.rfind("Elixir.", 0) == 0)
            s.erase(0, 7);
        return s;
    }
    if (t.isTuple(3) && t.element(0).isAtom() && t.element(1).isAtom() && t.element(2).isInteger()) {
        // An anonymous function's {module, :"-name/arity-fun-N-", arity} (what a process spawned with a fn is
        // labelled by) reads as the function it was written in: fn/0 in Flood.run/1, or fn/0 in __FILE__/1 for a
        // script's top level.
        const std::string f(t.element(1).asAtom().name());
        const size_t at = f.rfind("-fun-");
        if (f.size() > 2 && f.front() == '-' && f.back() == '-' && at != std::string::npos && at > 1) {
            const Atom module = t.element(0).asAtom();
            const bool scriptTop = std::string_view(module.name()).rfind("elixir_compiler_", 0) == 0;
            const std::string m = scriptTop ? std::string() : moduleText(module) + ".";
            return "fn/" + std::to_string(t.element(2).asInteger()) + " in " + m + f.substr(1, at - 1);
        }
    }
    InspectOptions o;
    o.limitChars = limit;
    return inspect(t, o);
}

std::string mfaText(const Term& t)
{
    if (t.isTuple(3) && t.element(0).isAtom() && t.element(1).isAtom() && t.element(2).isInteger()) {
        std::string f(t.element(1).asAtom().name());
        return moduleText(t.element(0).asAtom()) + "." + f + "/" + std::to_string(t.element(2).asInteger());
    }
    if (t.isNilAtom())
        return {};
    InspectOptions o;
    o.limitChars = 80;
    return inspect(t, o);
}

namespace {

std::string reasonText(const Term& t)
{
    InspectOptions o;
    o.limitChars = 200;
    return inspect(t, o);
}

void insertSorted(CompactVector<uint64_t>& v, uint64_t x)
{
    auto it = std::lower_bound(v.begin(), v.end(), x);
    if (it == v.end() || *it != x)
        v.insert(it, x);
}

bool eraseSorted(CompactVector<uint64_t>& v, uint64_t x)
{
    auto it = std::lower_bound(v.begin(), v.end(), x);
    if (it == v.end() || *it != x)
        return false;
    v.erase(it);
    return true;
}

bool eraseMonitor(CompactVector<MonitorEdge>& v, uint64_t ref, uint64_t pid)
{
    auto it = std::find_if(v.begin(), v.end(), [&](const MonitorEdge& m) {
        return (ref == 0 || m.ref == ref) && m.pid == pid;
    });
    if (it == v.end())
        return false;
    v.erase(it);
    return true;
}

uint64_t refOf(const Term& t) { return t.isReference() ? t.asReference() : 0; }

NodeStatus statusFromAtom(Atom a)
{
    if (a == atoms::running || a == atoms::runnable)
        return NodeStatus::Running;
    if (a == atoms::exiting)
        return NodeStatus::Exiting;
    return NodeStatus::Waiting;
}


} // namespace

GraphState::GraphState()
    : GraphState(Options {})
{
}

GraphState::GraphState(Options options)
    : m_options(options)
{
}

GraphNode* GraphState::find(uint64_t pid)
{
    auto it = m_nodes.find(pid);
    return it == m_nodes.end() ? nullptr : &it->second;
}

const GraphNode* GraphState::node(uint64_t pid) const
{
    auto it = m_nodes.find(pid);
    return it == m_nodes.end() ? nullptr : &it->second;
}

GraphNode& GraphState::create(uint64_t pid, uint64_t spawner)
{
    GraphNode& n = m_nodes[pid];
    n.pid = pid;
    n.spawner = spawner;
    n.inTree = false;
    ++m_alive;
    m_delta.added.push_back(pid);
    touch(n);
    attach(n, spawner);
    return n;
}

void GraphState::remember(GraphNode& n, const TraceEvent& e)
{
    n.recent.push(e, m_options.recentPerNode);
}

void GraphState::attach(GraphNode& n, uint64_t parent, size_t index)
{
    GraphNode* p = parent ? find(parent) : nullptr;
    // A parent that already left the graph hands its children to its nearest ancestor still in it.
    while (p && !p->inTree)
        p = p->treeParent ? find(p->treeParent) : nullptr;
    if (p && p->pid == n.pid)
        p = nullptr;
    CompactVector<uint64_t>& list = p ? p->children : m_roots;
    if (index >= list.size())
        list.push_back(n.pid);
    else
        list.insert(list.begin() + ptrdiff_t(index), n.pid);
    n.treeParent = p ? p->pid : 0;
    n.inTree = true;
    m_delta.structureChanged = true;
}

void GraphState::detach(GraphNode& n)
{
    CompactVector<uint64_t>* list = &m_roots;
    if (n.treeParent) {
        if (GraphNode* p = find(n.treeParent))
            list = &p->children;
    }
    auto it = std::find(list->begin(), list->end(), n.pid);
    if (it != list->end())
        list->erase(it);
    n.treeParent = 0;
    m_delta.structureChanged = true;
}

void GraphState::leaveTree(GraphNode& n)
{
    if (!n.inTree)
        return;
    // Children that are still drawn move up into this node's slot, keeping their order.
    CompactVector<uint64_t>& siblings = n.treeParent && find(n.treeParent) ? find(n.treeParent)->children : m_roots;
    if (!n.children.empty()) {
        auto at = std::find(siblings.begin(), siblings.end(), n.pid);
        std::vector<uint64_t> moving;
        for (uint64_t c : n.children) {
            GraphNode* cn = find(c);
            if (cn && cn->inTree) {
                cn->treeParent = n.treeParent;
                moving.push_back(c);
            }
        }
        if (at == siblings.end())
            siblings.insert(siblings.end(), moving.begin(), moving.end());
        else
            siblings.insert(at + 1, moving.begin(), moving.end());
        n.children.clear();
    }
    n.inTree = false;
    m_compact.insert(n.treeParent);
    m_delta.structureChanged = true;
    touch(n);
}

void GraphState::compactTree()
{
    for (uint64_t parent : m_compact) {
        CompactVector<uint64_t>* list = &m_roots;
        if (parent) {
            GraphNode* p = find(parent);
            if (!p)
                continue;
            list = &p->children;
        }
        list->eraseIf([&](uint64_t pid) {
            const GraphNode* c = node(pid);
            return !c || !c->inTree || c->treeParent != parent;
        });
    }
    m_compact.clear();
}

void GraphState::dropLinksOf(GraphNode& n)
{
    for (uint64_t other : n.links) {
        if (GraphNode* o = find(other)) {
            if (eraseSorted(o->links, n.pid))
                touch(*o);
        }
    }
    if (!n.links.empty())
        m_delta.edgesChanged = true;
    n.links.clear();
    // The other halves pointing at n (a link being set up while n died) go too.
}

void GraphState::dropMonitorsOf(GraphNode& n)
{
    for (const MonitorEdge& m : n.monitors) {
        if (GraphNode* t = find(m.pid)) {
            if (t->hasExtras() && eraseMonitor(t->editExtras().monitoredBy, m.ref, n.pid))
                touch(*t);
        }
    }
    for (const MonitorEdge& m : n.extras().monitoredBy) {
        if (GraphNode* w = find(m.pid)) {
            if (eraseMonitor(w->monitors, m.ref, n.pid))
                touch(*w);
        }
    }
    if (!n.monitors.empty() || !n.extras().monitoredBy.empty())
        m_delta.edgesChanged = true;
    n.monitors.clear();
    if (n.hasExtras())
        n.editExtras().monitoredBy.clear();
}

void GraphState::markDead(GraphNode& n, const std::string& reason, int64_t timeNs, int64_t wallNs)
{
    if (!n.alive)
        return;
    n.alive = false;
    n.status = NodeStatus::Dead;
    NodeExtras& x = n.editExtras();
    x.exitReason = reason;
    x.diedNs = timeNs;
    x.diedWallNs = wallNs;
    n.mailbox = 0;
    x.linksAtDeath = n.links;
    --m_alive;
    dropLinksOf(n);
    dropMonitorsOf(n);
    m_active.erase(n.pid);
    m_lingering.push_back(n.pid);
    ++m_delta.exits;
    touch(n);
}

void GraphState::updateStatus(GraphNode& n, int64_t wallNs)
{
    if (!n.alive || n.status == NodeStatus::Exiting)
        return;
    if (n.status != NodeStatus::Running) {
        n.status = NodeStatus::Running;
        touch(n);
    }
    m_active.insert_or_assign(n.pid, wallNs);
}

void GraphState::findFoldable(const std::vector<TraceEvent>& events, bool resyncFollows)
{
    m_foldFlags.clear();
    m_foldCount = 0;
    const size_t keep = resyncFollows ? 0 : m_options.keepShortLivedPerBatch;
    if (!resyncFollows && (keep == SIZE_MAX || events.size() < 2 * keep))
        return;
    auto covered = [this](const TraceEvent& e) { return e.seq != 0 && e.seq <= m_snapshotSeq; };
    // Pids are serial numbers, so the ones born in a batch mostly lie in one narrow range: per-pid state goes into a
    // flat vector over that range (kept between batches) instead of a hash map that allocates a node per process.
    // A batch that lost events in a storm may still span millions of pids with few born in it; then the vector has
    // a place per pid born, found by binary search (see foldIndex), rather than a place per pid in the range.
    uint64_t lo = UINT64_MAX;
    uint64_t hi = 0;
    size_t born = 0;
    for (const TraceEvent& e : events) {
        if (e.kind == TraceKind::Spawned && !covered(e)) {
            lo = std::min(lo, e.pid);
            hi = std::max(hi, e.pid);
            ++born;
        }
    }
    if (lo > hi)
        return;
    // Dense over [lo, hi] unless that range is much wider than the pids in it: then the pids themselves, sorted.
    m_foldLo = lo;
    m_foldSpan = hi - lo + 1;
    m_foldSparse = m_foldSpan > 8 * born + 4096;
    m_foldPids.clear();
    if (m_foldSparse) {
        for (const TraceEvent& e : events)
            if (e.kind == TraceKind::Spawned && !covered(e))
                m_foldPids.push_back(e.pid);
        std::sort(m_foldPids.begin(), m_foldPids.end());
        m_foldPids.erase(std::unique(m_foldPids.begin(), m_foldPids.end()), m_foldPids.end());
    }
    const size_t span = m_foldSparse ? m_foldPids.size() : size_t(m_foldSpan);
    // Born here (and not known before), died here, and nothing else about them but their own messages, links,
    // monitors and signals. kBorn + 1 + index of the Exited event, or kNo when the pid is disqualified.
    constexpr uint32_t kUnseen = 0;
    constexpr uint32_t kNo = 1;
    constexpr uint32_t kBorn = 2;
    m_foldState.assign(span, kUnseen);
    auto slot = [&](uint64_t pid) -> uint32_t* {
        const size_t i = foldIndex(pid);
        return i < span ? &m_foldState[i] : nullptr;
    };
    auto disqualify = [&](uint64_t pid) {
        if (uint32_t* st = slot(pid))
            *st = kNo;
    };
    for (size_t i = 0; i < events.size(); ++i) {
        const TraceEvent& e = events[i];
        if (covered(e))
            continue;
        switch (e.kind) {
        case TraceKind::Spawned:
            if (uint32_t* st = slot(e.pid);
                st && *st == kUnseen && !m_nodes.count(e.pid) && !(e.other == 0 && e.data.isAtom()))
                *st = kBorn;
            // A parent: its children would lose their place. With a resync to follow, only a child that stays
            // does that (see below).
            if (!resyncFollows)
                disqualify(e.other);
            break;
        case TraceKind::Exited:
            if (uint32_t* st = slot(e.pid); st && *st == kBorn && i < UINT32_MAX - kBorn - 1)
                *st = kBorn + 1 + uint32_t(i);
            break;
        case TraceKind::ChildStarted:
        case TraceKind::ChildRestarted:
        case TraceKind::ChildTerminated:
        case TraceKind::SupervisorGaveUp:
            disqualify(e.pid);
            disqualify(e.other);
            disqualify(e.old);
            break;
        case TraceKind::Registered:
        case TraceKind::Unregistered:
            disqualify(e.pid);
            break;
        default:
            break;
        }
    }
    if (resyncFollows) {
        // A parent born here is skipped only if all its children born here died here too: one that stays keeps
        // its parent.
        // Children are spawned after their parents, so one pass from the end carries that up a whole line.
        for (size_t i = events.size(); i-- > 0;) {
            const TraceEvent& e = events[i];
            if (e.kind != TraceKind::Spawned || covered(e))
                continue;
            // Skipped and gone: a child that died here. One still alive is restored by the resync under its
            // parent, which must then be there.
            const uint32_t* child = slot(e.pid);
            if (!child || *child <= kBorn)
                disqualify(e.other);
        }
        // The resync restores whoever of them is still alive: skip them all, dead or not.
        m_foldFlags.assign(span, 0);
        for (size_t i = 0; i < span; ++i) {
            if (m_foldState[i] >= kBorn) {
                m_foldFlags[i] = 1;
                ++m_foldCount;
            }
        }
        return;
    }
    m_foldDeaths.clear();
    for (uint32_t st : m_foldState)
        if (st > kBorn)
            m_foldDeaths.push_back(st - kBorn - 1);
    if (m_foldDeaths.size() <= keep)
        return;
    // The most recent deaths stay (the table and graph show them); the earlier ones are folded.
    std::sort(m_foldDeaths.begin(), m_foldDeaths.end());
    m_foldDeaths.resize(m_foldDeaths.size() - keep);
    m_foldFlags.assign(span, 0);
    for (uint32_t at : m_foldDeaths)
        m_foldFlags[foldIndex(events[at].pid)] = 1;
    m_foldCount = m_foldDeaths.size();
}

bool GraphState::folds(const TraceEvent& e)
{
    if (m_foldCount == 0)
        return false;
    const bool self = folding(e.pid);
    switch (e.kind) {
    case TraceKind::Spawned:
        return self;
    case TraceKind::Exited:
        // Counted at its death: one skipped ahead of a resync may still be alive, and the snapshot will list it.
        if (self) {
            ++m_delta.exits;
            ++m_folded;
        }
        return self;
    case TraceKind::MessageSent:
        if (self)
            ++m_delta.messagesSent;
        return self;
    case TraceKind::ExitSignal:
        // A signal from a folded process still reaches (and may kill) a live one; one to a folded one is moot.
        return folding(e.other);
    default:
        return self || (e.other && folding(e.other));
    }
}

void GraphState::apply(const std::vector<TraceEvent>& events, int64_t wallNs, bool resyncFollows)
{
    findFoldable(events, resyncFollows);
    const uint64_t foldedBefore = m_folded;
    for (const TraceEvent& e : events) {
        if (folds(e)) {
            ++m_delta.events;
            m_lastSeq = std::max(m_lastSeq, e.seq);
            continue;
        }
        apply(e, wallNs);
    }
    m_delta.folded += m_folded - foldedBefore;
    m_foldFlags.clear();
    m_foldCount = 0;
}

void GraphState::apply(const TraceEvent& e, int64_t wallNs)
{
    if (e.seq != 0 && e.seq <= m_snapshotSeq)
        return;
    m_lastSeq = std::max(m_lastSeq, e.seq);
    ++m_delta.events;

    GraphNode* n = find(e.pid);
    switch (e.kind) {
    case TraceKind::Spawned: {
        if (n)
            break;
        GraphNode& c = create(e.pid, e.other);
        if (!e.data.isNilAtom())
            setExtra(c, &NodeExtras::label, labelText(e.data));
        // Host pseudo-processes (threads that are not processes) are listed but not drawn.
        if (e.other == 0 && e.data.isAtom() && e.data.asAtom().name() == "host") {
            c.hostPseudo = true;
            leaveTree(c);
        }
        setExtra(c, &NodeExtras::initialCall, mfaText(e.extra));
        remember(c, e);
        if (GraphNode* p = find(e.other))
            remember(*p, e);
        break;
    }
    case TraceKind::Exited:
        if (n) {
            // Its final counters, exact whether or not its messages were sampled (a dead node keeps them).
            if (n->alive) {
                if (e.old > n->messagesOut)
                    m_delta.messagesSent += e.old - n->messagesOut;
                n->messagesIn = std::max(n->messagesIn, e.other);
                n->messagesOut = std::max(n->messagesOut, e.old);
                if (e.extra.isInteger())
                    n->reductions = std::max(n->reductions, uint64_t(e.extra.asInteger()));
            }
            markDead(*n, reasonText(e.data), e.timeNs, wallNs);
            remember(*n, e);
        }
        break;
    case TraceKind::ExitSignal: {
        GraphNode* to = find(e.other);
        SignalEffect fx;
        fx.from = e.pid;
        fx.to = e.other;
        fx.reason = reasonText(e.data);
        fx.outcome = e.outcome;
        // count 1: it came over a link the receiver still held, and ended the receiver's half of it.
        fx.viaLink = e.count == 1;
        if (n) {
            fx.viaLink = fx.viaLink || std::binary_search(n->links.begin(), n->links.end(), e.other)
                || std::binary_search(n->extras().linksAtDeath.begin(), n->extras().linksAtDeath.end(), e.other);
            remember(*n, e);
        }
        if (to) {
            // A signal from a dead process ends whatever half of the link the receiver still held.
            if ((e.count == 1 || (n && !n->alive)) && eraseSorted(to->links, e.pid)) {
                m_delta.edgesChanged = true;
                touch(*to);
            }
            if (e.outcome == SignalOutcome::Killed && to->alive) {
                to->status = NodeStatus::Exiting;
                m_active.erase(to->pid);
                touch(*to);
            }
            remember(*to, e);
        }
        m_delta.signals.push_back(std::move(fx));
        break;
    }
    case TraceKind::Linked:
        if (n && n->alive) {
            insertSorted(n->links, e.other);
            m_delta.edgesChanged = true;
            touch(*n);
            remember(*n, e);
        }
        break;
    case TraceKind::Unlinked:
        if (n) {
            if (eraseSorted(n->links, e.other)) {
                m_delta.edgesChanged = true;
                touch(*n);
            }
            remember(*n, e);
        }
        break;
    case TraceKind::Monitored: {
        GraphNode* t = find(e.other);
        if (n && n->alive && t && t->alive) {
            n->monitors.push_back({ refOf(e.data), e.other });
            t->editExtras().monitoredBy.push_back({ refOf(e.data), e.pid });
            m_delta.edgesChanged = true;
            touch(*n);
            touch(*t);
            remember(*n, e);
            remember(*t, e);
        }
        break;
    }
    case TraceKind::Demonitored: {
        GraphNode* t = find(e.other);
        const uint64_t ref = refOf(e.data);
        if (n && eraseMonitor(n->monitors, ref, e.other)) {
            touch(*n);
            m_delta.edgesChanged = true;
        }
        if (t && t->hasExtras() && eraseMonitor(t->editExtras().monitoredBy, ref, e.pid)) {
            touch(*t);
            m_delta.edgesChanged = true;
        }
        if (n)
            remember(*n, e);
        break;
    }
    case TraceKind::DownDelivered: {
        GraphNode* w = find(e.other);
        const uint64_t ref = refOf(e.extra);
        if (w && eraseMonitor(w->monitors, ref, e.pid)) {
            touch(*w);
            m_delta.edgesChanged = true;
        }
        if (n && n->hasExtras() && eraseMonitor(n->editExtras().monitoredBy, ref, e.other)) {
            touch(*n);
            m_delta.edgesChanged = true;
        }
        if (w)
            remember(*w, e);
        break;
    }
    // When message events are sampled, MailboxStats carries the exact counters; sampled events then only show
    // activity and must not be counted again.
    case TraceKind::MessageSent:
        if (!n || !n->statsDriven) {
            ++m_delta.messagesSent;
            if (n) {
                ++n->messagesOut;
                touch(*n);
            }
        }
        break;
    case TraceKind::MessageQueued:
        if (n && n->alive) {
            if (!n->statsDriven) {
                n->setMailbox(uint64_t(n->mailbox) + 1);
                ++n->messagesIn;
            }
            touch(*n);
            updateStatus(*n, wallNs);
        }
        break;
    case TraceKind::MessageReceived:
        if (n && n->alive) {
            if (!n->statsDriven && n->mailbox > 0)
                --n->mailbox;
            touch(*n);
            updateStatus(*n, wallNs);
        }
        break;
    case TraceKind::MailboxStats:
        if (n && n->alive) {
            const uint64_t out = e.old;
            if (out > n->messagesOut)
                m_delta.messagesSent += out - n->messagesOut;
            const bool busy
                = int64_t(e.count) != int64_t(n->mailbox) || e.other != n->messagesIn || out != n->messagesOut;
            n->statsDriven = true;
            n->setMailbox(e.count);
            n->messagesIn = e.other;
            n->messagesOut = out;
            if (e.data.isInteger())
                n->reductions = uint64_t(e.data.asInteger());
            touch(*n);
            if (busy || n->mailbox > 0)
                updateStatus(*n, wallNs);
        }
        break;
    case TraceKind::TrapExit:
        if (n) {
            n->trapExit = e.count != 0;
            touch(*n);
            remember(*n, e);
        }
        break;
    case TraceKind::Registered:
        if (n) {
            setExtra(*n, &NodeExtras::registeredName, labelText(e.data));
            touch(*n);
            remember(*n, e);
        }
        break;
    case TraceKind::Unregistered:
        if (n) {
            if (n->hasExtras() && n->extras().registeredName == labelText(e.data))
                n->editExtras().registeredName.clear();
            touch(*n);
            remember(*n, e);
        }
        break;
    case TraceKind::ChildStarted: {
        GraphNode* c = find(e.other);
        if (n) {
            if (n->extras().behaviour.empty()) {
                n->kind = NodeKind::Supervisor;
                touch(*n);
            }
            if (e.extra.isAtom() && n->extras().strategy.empty()) {
                n->editExtras().strategy = std::string(e.extra.asAtom().name());
                touch(*n);
            }
            remember(*n, e);
        }
        if (c) {
            NodeExtras& x = c->editExtras();
            x.supervisor = e.pid;
            x.childId = labelText(e.data);
            x.childIdTerm = e.data;
            if (c->inTree && n && n->inTree && c->treeParent != e.pid) {
                detach(*c);
                attach(*c, e.pid);
            }
            touch(*c);
            remember(*c, e);
        }
        break;
    }
    case TraceKind::ChildRestarted: {
        GraphNode* c = find(e.other);
        GraphNode* old = e.old ? find(e.old) : nullptr;
        if (!old && n) {
            // Without the old pid in the event, the previous holder of the child id is the one replaced: the
            // latest sibling with that id that is not the new pid (a dead one if there is one).
            for (auto it = n->children.rbegin(); it != n->children.rend(); ++it) {
                GraphNode* s = find(*it);
                if (s && s->pid != e.other && s->extras().childIdTerm == e.data && !s->extras().childIdTerm.isNilAtom()
                    && (!old || (!s->alive && old->alive)))
                    old = s;
            }
        }
        const uint64_t oldPid = old ? old->pid : e.old;
        if (c) {
            NodeExtras& x = c->editExtras();
            x.supervisor = e.pid;
            x.childId = labelText(e.data);
            x.childIdTerm = e.data;
            c->restarts = e.count;
            x.restartedFrom = oldPid;
            // The new pid takes the old one's place among its siblings.
            if (old && old->inTree && n && old->treeParent == e.pid && c->inTree) {
                detach(*c);
                auto& sib = n->children;
                const size_t at = size_t(std::find(sib.begin(), sib.end(), oldPid) - sib.begin());
                attach(*c, e.pid, at);
            } else if (c->inTree && n && c->treeParent != e.pid) {
                detach(*c);
                attach(*c, e.pid);
            }
            touch(*c);
            remember(*c, e);
        }
        if (old) {
            old->editExtras().replacedBy = e.other;
            if (!old->alive)
                leaveTree(*old);
            touch(*old);
            remember(*old, e);
        }
        if (n)
            remember(*n, e);
        m_delta.restarts.push_back({ e.pid, oldPid, e.other, e.count });
        break;
    }
    case TraceKind::ChildTerminated:
        if (n)
            remember(*n, e);
        if (GraphNode* c = find(e.other))
            remember(*c, e);
        break;
    case TraceKind::SupervisorGaveUp:
        if (n) {
            n->supervisorGaveUp = true;
            touch(*n);
            remember(*n, e);
        }
        m_delta.gaveUp.push_back(e.pid);
        break;
    case TraceKind::Label:
        if (n) {
            setExtra(*n, &NodeExtras::label, e.data.isNilAtom() ? std::string() : labelText(e.data));
            if (e.extra.isAtom() && !e.extra.isNilAtom()) {
                n->editExtras().behaviour = e.extra.asAtom().name();
                n->kind = nodeKindFor(n->extras().behaviour);
            }
            touch(*n);
        }
        break;
    }
    if (!m_compact.empty())
        compactTree();
}

void GraphState::resync(const Snapshot& snapshot, int64_t wallNs)
{
    std::vector<const ProcessSnapshot*> procs;
    procs.reserve(snapshot.processes.size());
    for (const ProcessSnapshot& p : snapshot.processes)
        procs.push_back(&p);
    std::sort(procs.begin(), procs.end(), [](auto* a, auto* b) { return a->pid < b->pid; });

    // The snapshot's pids, sorted: looked up by binary search (a hash set would allocate a node per process).
    std::vector<uint64_t> present;
    present.reserve(procs.size());
    for (const ProcessSnapshot* p : procs)
        present.push_back(p->pid);
    auto inSnapshot = [&present](uint64_t pid) { return std::binary_search(present.begin(), present.end(), pid); };

    // Whatever died while events were lost.
    for (auto& [pid, n] : m_nodes) {
        if (n.alive && !inSnapshot(pid)) {
            n.alive = false;
            n.status = NodeStatus::Dead;
            NodeExtras& x = n.editExtras();
            x.exitReason = "(exited while trace events were lost)";
            x.diedWallNs = wallNs;
            n.mailbox = 0;
            --m_alive;
            m_active.erase(pid);
            m_lingering.push_back(pid);
            touch(n);
        }
    }
    // Links and monitors come wholly from the snapshot. Whether any of them changed decides whether the edges (and
    // the layout's linked groups) are redone.
    bool edgesChanged = false;
    for (auto& [pid, n] : m_nodes) {
        if (inSnapshot(pid))
            continue;
        edgesChanged = edgesChanged || !n.links.empty() || !n.monitors.empty() || !n.extras().monitoredBy.empty();
        n.links.clear();
        n.monitors.clear();
        if (n.hasExtras())
            n.editExtras().monitoredBy.clear();
    }
    std::vector<uint64_t> links;
    std::vector<MonitorEdge> monitors;
    std::vector<MonitorEdge> monitoredBy;

    for (const ProcessSnapshot* p : procs) {
        GraphNode* n = find(p->pid);
        if (!n)
            n = &create(p->pid, p->parent);
        if (!p->label.isNilAtom())
            setExtra(*n, &NodeExtras::label, labelText(p->label));
        if (p->parent == 0 && p->label.isAtom() && p->label.asAtom().name() == "host" && !n->hostPseudo) {
            n->hostPseudo = true;
            leaveTree(*n);
        }
        if (p->behaviour != atoms::nil) {
            n->editExtras().behaviour = p->behaviour.name();
            n->kind = nodeKindFor(n->extras().behaviour);
        }
        if (!p->initialCall.isNilAtom())
            setExtra(*n, &NodeExtras::initialCall, mfaText(p->initialCall));
        setExtra(*n, &NodeExtras::registeredName,
            p->registeredName == atoms::nil ? std::string() : labelText(Term::atom(p->registeredName)));
        n->status = statusFromAtom(p->status);
        n->trapExit = p->trapExit;
        n->setMailbox(p->messageQueueLen);
        n->reductions = p->reductions;
        n->messagesIn = p->messagesIn;
        n->messagesOut = p->messagesOut;
        links = p->links;
        std::sort(links.begin(), links.end());
        monitors.clear();
        for (const auto& [ref, target] : p->monitors)
            monitors.push_back({ refOf(ref), target });
        monitoredBy.clear();
        for (const auto& [ref, watcher] : p->monitoredBy)
            monitoredBy.push_back({ refOf(ref), watcher });
        if (links != n->links || monitors != n->monitors || monitoredBy != n->extras().monitoredBy) {
            edgesChanged = true;
            n->links = links;
            n->monitors = monitors;
            setExtra(*n, &NodeExtras::monitoredBy, monitoredBy);
        }
        if (n->status == NodeStatus::Running)
            m_active.insert_or_assign(n->pid, wallNs); // running as of the snapshot: active now
        touch(*n);
    }
    // A process whose spawner or supervisor was not known when it appeared (its events were lost or skipped ahead
    // of this resync) was drawn as a root; the snapshot has brought that parent now.
    const std::vector<uint64_t> roots = m_roots.toVector();
    for (uint64_t pid : roots) {
        GraphNode* n = find(pid);
        const uint64_t parent = !n ? 0 : n->extras().supervisor ? n->extras().supervisor : n->spawner;
        if (!parent || parent == pid)
            continue;
        const GraphNode* p = find(parent);
        if (!p || !p->inTree)
            continue;
        // Never under its own descendant.
        bool below = false;
        for (const GraphNode* a = p; a && !below; a = a->treeParent ? find(a->treeParent) : nullptr)
            below = a->pid == pid;
        if (!below) {
            detach(*n);
            attach(*n, parent);
            touch(*n);
        }
    }
    m_snapshotSeq = snapshot.seq;
    m_lastSeq = std::max(m_lastSeq, snapshot.seq);
    m_delta.resynced = true;
    // Tree membership changed only if nodes were created or left the tree (create() and leaveTree() say so): a
    // resync that found the same tree needs no new layout.
    if (edgesChanged)
        m_delta.edgesChanged = true;
    if (!m_compact.empty())
        compactTree();
}

void GraphState::refreshCounters(const Snapshot& snapshot)
{
    for (const ProcessSnapshot& p : snapshot.processes) {
        GraphNode* n = find(p.pid);
        if (!n || !n->alive)
            continue;
        if (n->reductions != p.reductions) {
            n->reductions = p.reductions;
            touch(*n);
        }
    }
}

void GraphState::tick(int64_t wallNs)
{
    for (auto it = m_active.begin(); it != m_active.end();) {
        GraphNode* n = find(it->first);
        if (!n || !n->alive) {
            it = m_active.erase(it);
            continue;
        }
        if (n->mailbox == 0 && wallNs - it->second > m_options.activeNs) {
            if (n->status == NodeStatus::Running) {
                n->status = NodeStatus::Waiting;
                touch(*n);
            }
            it = m_active.erase(it);
        } else {
            ++it;
        }
    }
    size_t done = 0;
    while (done < m_lingering.size()) {
        GraphNode* n = find(m_lingering[done]);
        if (n && wallNs - n->extras().diedWallNs < m_options.lingerNs)
            break;
        if (n) {
            leaveTree(*n);
            m_dead.push_back(n->pid);
        }
        ++done;
    }
    m_lingering.erase(m_lingering.begin(), m_lingering.begin() + ptrdiff_t(done));
    if (!m_compact.empty())
        compactTree();
    if (m_dead.size() > m_options.keepDead) {
        const size_t drop = m_dead.size() - m_options.keepDead;
        for (size_t i = 0; i < drop; ++i)
            erase(m_dead[i]);
        m_dead.erase(m_dead.begin(), m_dead.begin() + ptrdiff_t(drop));
    }
}

void GraphState::erase(uint64_t pid)
{
    GraphNode* n = find(pid);
    if (!n)
        return;
    if (n->inTree) {
        leaveTree(*n);
        compactTree();
    }
    auto added = std::find(m_delta.added.begin(), m_delta.added.end(), pid);
    if (added != m_delta.added.end())
        m_delta.added.erase(added);
    else
        m_delta.erased.push_back(pid);
    m_erasedSinceDelta = true; // its pid leaves `changed` when the delta is taken
    m_nodes.erase(pid);
}

void GraphState::clearDead()
{
    std::vector<uint64_t> all;
    all.reserve(m_dead.size() + m_lingering.size());
    all.insert(all.end(), m_dead.begin(), m_dead.end());
    all.insert(all.end(), m_lingering.begin(), m_lingering.end());
    for (uint64_t pid : all) {
        if (GraphNode* n = find(pid))
            leaveTree(*n);
    }
    compactTree();
    for (uint64_t pid : all)
        erase(pid);
    m_dead.clear();
    m_lingering.clear();
}

GraphDelta GraphState::takeDelta()
{
    GraphDelta d = std::move(m_delta);
    m_delta.clear();
    if (m_erasedSinceDelta)
        std::erase_if(d.changed, [this](uint64_t pid) { return !m_nodes.count(pid); });
    m_erasedSinceDelta = false;
    if (++m_deltaNumber == 0) {
        // After 2^32 - 1 deltas the numbers start again: no node may still carry one that is about to come back.
        for (auto& [pid, n] : m_nodes)
            n.touchedInDelta = 0;
        m_deltaNumber = 1;
    }
    return d;
}

bool GraphState::linked(uint64_t a, uint64_t b) const
{
    const GraphNode* na = node(a);
    const GraphNode* nb = node(b);
    return (na && std::binary_search(na->links.begin(), na->links.end(), b))
        || (nb && std::binary_search(nb->links.begin(), nb->links.end(), a));
}

std::vector<std::pair<uint64_t, uint64_t>> GraphState::linkPairs() const
{
    std::vector<std::pair<uint64_t, uint64_t>> out;
    for (const auto& [pid, n] : m_nodes) {
        if (!n.inTree || !n.alive)
            continue;
        for (uint64_t o : n.links) {
            const GraphNode* on = node(o);
            if (!on || !on->inTree || !on->alive)
                continue;
            // Report each pair once: from the smaller pid, or from the only side holding the half.
            if (pid < o || !std::binary_search(on->links.begin(), on->links.end(), pid))
                out.emplace_back(std::min(pid, o), std::max(pid, o));
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::vector<std::pair<uint64_t, uint64_t>> GraphState::monitorPairs() const
{
    std::vector<std::pair<uint64_t, uint64_t>> out;
    for (const auto& [pid, n] : m_nodes) {
        if (!n.inTree || !n.alive)
            continue;
        for (const MonitorEdge& m : n.monitors) {
            const GraphNode* t = node(m.pid);
            if (t && t->inTree)
                out.emplace_back(pid, m.pid);
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

size_t GraphState::descendantCount(uint64_t pid) const
{
    size_t count = 0;
    std::vector<uint64_t> stack;
    if (const GraphNode* n = node(pid))
        stack.insert(stack.end(), n->children.begin(), n->children.end());
    while (!stack.empty()) {
        const uint64_t p = stack.back();
        stack.pop_back();
        ++count;
        if (const GraphNode* n = node(p))
            stack.insert(stack.end(), n->children.begin(), n->children.end());
    }
    return count;
}

std::string GraphState::checkConsistency() const
{
    std::set<uint64_t> seen;
    auto checkList = [&](uint64_t parent, const CompactVector<uint64_t>& list) -> std::string {
        for (uint64_t c : list) {
            const GraphNode* cn = node(c);
            if (!cn)
                return "child " + pidText(c) + " of " + pidText(parent) + " is unknown";
            if (!cn->inTree)
                return "child " + pidText(c) + " of " + pidText(parent) + " is not in the tree";
            if (cn->treeParent != parent)
                return pidText(c) + " is listed under " + pidText(parent) + " but its parent is "
                    + pidText(cn->treeParent);
            if (!seen.insert(c).second)
                return pidText(c) + " is listed twice";
        }
        return {};
    };
    if (auto err = checkList(0, m_roots); !err.empty())
        return err;
    size_t alive = 0;
    for (const auto& [pid, n] : m_nodes) {
        if (n.alive)
            ++alive;
        if (n.inTree) {
            if (auto err = checkList(pid, n.children); !err.empty())
                return err;
        } else if (!n.children.empty()) {
            return pidText(pid) + " left the tree but still has children";
        }
        if (n.alive) {
            for (uint64_t o : n.links) {
                const GraphNode* on = node(o);
                if (on && on->alive && !std::binary_search(on->links.begin(), on->links.end(), pid))
                    return "link " + pidText(pid) + " -> " + pidText(o) + " has no other half";
            }
        }
    }
    for (const auto& [pid, n] : m_nodes) {
        if (n.inTree && !seen.count(pid))
            return pidText(pid) + " is in the tree but listed nowhere";
    }
    if (alive != m_alive)
        return "alive count " + std::to_string(m_alive) + " but " + std::to_string(alive) + " alive nodes";
    return {};
}

} // namespace vigil
