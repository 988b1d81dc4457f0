#include "runtime/tracehub.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace vigil {

namespace {
// How many sequence numbers an entry accounts for: one for an event, a gap marker its whole run.
uint64_t seqSpan(const TraceEvent& e) { return e.kind == kSeqGapKind ? e.count : 1; }

size_t roundUpPow2(size_t n)
{
    size_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}
} // namespace

TraceRing::TraceRing(size_t capacity)
    : m_size(roundUpPow2(std::max<size_t>(capacity, 16)))
    , m_mask(m_size - 1)
    , m_slots(std::make_unique<TraceSlot[]>(m_size)) // zeroed now, so the pages are not first touched mid-trace
{
}

TraceRing::~TraceRing()
{
    const uint64_t head = m_head.load(std::memory_order_acquire);
    for (uint64_t i = m_tail.load(std::memory_order_relaxed); i != head; ++i)
        discard(i);
}

bool TraceRing::push(TraceEvent&& e, bool& dropped, bool exactEmpty)
{
    TraceSlot* s = claim(exactEmpty);
    if (!s) {
        if (e.kind == kSeqGapKind)
            countGapDrop();
        else
            countDrop();
        dropped = true;
        return false;
    }
    s->seq = e.seq;
    s->set(e.timeNs, e.kind, e.outcome, e.count, e.pid, e.other, e.old, e.data, e.extra);
    dropped = false;
    return commit();
}

bool TraceRing::isGap(uint64_t i) const { return m_slots[i & m_mask].kind == kSeqGapKind; }

void TraceRing::discard(uint64_t i) const
{
    const TraceSlot& s = m_slots[i & m_mask];
    Term::adopt(s.dataType, s.dataBits);
    Term::adopt(s.extraType, s.extraBits);
}

// Out of line, so that its loop has the registers to itself.
uint64_t TraceRing::takeRunInto(std::vector<TraceEvent>& out, uint64_t pos, uint64_t limit, uint64_t& next) const
{
    // The ring's slots and mask in registers: the stores into `out` might otherwise be taken to change them.
    const TraceSlot* slots = m_slots.get();
    const uint64_t mask = m_mask;
    uint64_t n = next;
    for (; pos != limit; ++pos, ++n) {
        const TraceSlot& s = slots[pos & mask];
        if (s.seq != n || s.kind == kSeqGapKind)
            break;
        if (limit - pos > 24)
            __builtin_prefetch(&slots[(pos + 24) & mask]); // the slots were written on another core
        appendFromSlot(out, s);
    }
    next = n;
    return pos;
}

void TraceRing::popAll(std::vector<TraceEvent>& out)
{
    const uint64_t head = end();
    for (uint64_t i = begin(); i != head; ++i)
        takeInto(out, i);
    release(head);
}

TraceSubscriptionImpl::TraceSubscriptionImpl(size_t workers, size_t capacity, uint64_t firstSeq)
    : m_next(firstSeq)
    , m_covered(firstSeq - 1)
    , m_holdLimit(2 * (workers + 1) * capacity)
{
    for (size_t i = 0; i < workers + 1; ++i)
        m_rings.push_back(std::make_unique<TraceRing>(capacity));
}

bool TraceSubscriptionImpl::push(int worker, TraceEvent&& e)
{
    bool dropped = false;
    bool wasEmpty = false;
    const bool notify = m_hasNotify.load(std::memory_order_acquire);
    if (worker >= 0 && size_t(worker) + 1 < m_rings.size()) {
        wasEmpty = m_rings[size_t(worker)]->push(std::move(e), dropped, notify);
    } else {
        std::lock_guard g(m_sharedMutex);
        wasEmpty = m_rings.back()->push(std::move(e), dropped, notify);
    }
    return wasEmpty && notify;
}

void TraceSubscriptionImpl::notify()
{
    std::lock_guard g(m_notifyMutex);
    if (m_notify)
        m_notify();
}

void TraceSubscriptionImpl::setNotify(std::function<void()> notify)
{
    std::lock_guard g(m_notifyMutex);
    m_notify = std::move(notify);
    m_hasNotify.store(bool(m_notify), std::memory_order_release);
}

void TraceSubscriptionImpl::skipUpTo(uint64_t seq)
{
    std::lock_guard g(m_drainMutex);
    if (m_next <= seq)
        m_next = seq + 1;
    m_covered = std::max(m_covered, seq);
    std::erase_if(m_held, [seq](const TraceEvent& e) { return e.seq + seqSpan(e) - 1 <= seq; });
}

uint64_t TraceSubscription::drain(const std::function<void(std::span<const TraceEvent>)>& visit)
{
    std::vector<TraceEvent> events;
    const uint64_t lost = drain(events);
    for (size_t i = 0; i < events.size(); i += kVisitBatch)
        visit(std::span<const TraceEvent>(events).subspan(i, std::min(kVisitBatch, events.size() - i)));
    return lost;
}

namespace {
// Where a drain puts its events. Into the caller's vector:
struct VectorSink {
    std::vector<TraceEvent>& out;
    void reserve(size_t total)
    {
        if (out.capacity() < out.size() + total) // geometric, so that a caller reusing its buffer soon stops growing it
            out.reserve(std::max(out.size() + total, 2 * out.capacity()));
    }
    uint64_t takeRun(const TraceRing& ring, uint64_t pos, uint64_t limit, uint64_t& next)
    {
        return ring.takeRunInto(out, pos, limit, next);
    }
    void push(TraceEvent&& e) { out.push_back(std::move(e)); }
    void finish() { }
};
// Or to a visitor, a batch at a time, through a buffer that holds one batch.
struct VisitSink {
    std::vector<TraceEvent>& batch; // empty between drains
    const std::function<void(std::span<const TraceEvent>)>& visit;
    void reserve(size_t)
    {
        if (batch.capacity() < TraceSubscription::kVisitBatch)
            batch.reserve(TraceSubscription::kVisitBatch);
    }
    uint64_t takeRun(const TraceRing& ring, uint64_t pos, uint64_t limit, uint64_t& next)
    {
        for (;;) {
            const uint64_t room = TraceSubscription::kVisitBatch - batch.size();
            const uint64_t to = ring.takeRunInto(batch, pos, limit - pos > room ? pos + room : limit, next);
            const bool more = to - pos == room;
            pos = to;
            if (batch.size() == TraceSubscription::kVisitBatch)
                finish();
            if (!more || pos == limit)
                return pos;
        }
    }
    void push(TraceEvent&& e)
    {
        batch.push_back(std::move(e));
        if (batch.size() == TraceSubscription::kVisitBatch)
            finish();
    }
    // The drain is half done when this is called: a visitor that threw would leave it broken, so it may not.
    void finish() noexcept
    {
        if (batch.empty())
            return;
        visit(std::span<const TraceEvent>(batch));
        batch.clear();
    }
};
} // namespace

uint64_t TraceSubscriptionImpl::drain(std::vector<TraceEvent>& out)
{
    VectorSink sink { out };
    return drainInto(sink);
}

uint64_t TraceSubscriptionImpl::drain(const std::function<void(std::span<const TraceEvent>)>& visit)
{
    VisitSink sink { m_batch, visit }; // m_batch is used under the drain's lock only
    return drainInto(sink);
}

template <class Sink>
uint64_t TraceSubscriptionImpl::drainInto(Sink& out)
{
    std::unique_lock g(m_drainMutex);
    const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::steady_clock::now().time_since_epoch()).count();
    // Which numbers may still come from the workers' open blocks (the events after them wait), and which numbers had
    // been handed out before the rings are read.
    constexpr uint64_t kNone = ~uint64_t(0);
    uint64_t pendingFrom = kNone;
    const uint64_t handedOut = m_hub ? m_hub->pending(pendingFrom) : kNone;
    // Each worker ring is already in sequence order (one producer): merge the rings straight from their slots into
    // `out`. Threads sharing the last ring take their sequence numbers before its lock, so that one is copied and
    // sorted first; so are the events held back by the previous drain.
    const size_t workerRings = m_rings.size() - 1;
    uint64_t dropped = 0;
    m_shared.clear();
    m_rings.back()->popAll(m_shared);
    dropped += m_rings.back()->takeDropped();
    uint64_t gapsLost = m_rings.back()->takeGapsDropped();
    auto bySeq = [](const TraceEvent& a, const TraceEvent& b) { return a.seq < b.seq; };
    std::sort(m_shared.begin(), m_shared.end(), bySeq);
    m_pos.resize(workerRings);
    m_end.resize(workerRings);
    size_t total = m_shared.size() + m_held.size();
    m_demand.resize(workerRings);
    for (size_t r = 0; r < workerRings; ++r) {
        m_pos[r] = m_rings[r]->begin();
        m_end[r] = m_rings[r]->end();
        total += m_end[r] - m_pos[r];
        const uint64_t lost = m_rings[r]->takeDropped();
        gapsLost += m_rings[r]->takeGapsDropped();
        dropped += lost;
        m_demand[r] = m_end[r] - m_pos[r] + lost;
    }
    // Events numbered from pendingFrom on stay in their worker rings for a later drain (an open block may still carry
    // a number below theirs), unless a ring is filling up behind such a number (a worker in a very long slice) or
    // events were lost anyway: then the drain goes past it, and its event, should it come, counts as lost.
    // So does a number that has been waited for longer than kGiveUpNs (a worker in one slice for that long).
    // Numbers lost from the rings: events (counted for the subscriber) or gap markers that did not fit (not events).
    const bool ringsLost = dropped > 0 || gapsLost > 0; // (the merge below adds to `dropped` events that came late)
    const bool waitedTooLong = m_stopSeq == pendingFrom && now - m_stopSinceNs >= kGiveUpNs;
    uint64_t stopAt = waitedTooLong ? kNone : pendingFrom;
    for (size_t r = 0; r < workerRings && stopAt != kNone; ++r)
        if (ringsLost || (m_end[r] - m_pos[r]) * 4 > m_rings[r]->limit() * 3)
            stopAt = kNone;
    out.reserve(total);
    // The held events are read from m_heldIn; the three buffers rotate and are never freed, so a subscriber that
    // keeps losing events does not map and fault in a fresh buffer on every drain.
    std::vector<TraceEvent>& held = m_heldIn;
    held.clear();
    held.swap(m_held);
    size_t sharedPos = 0;
    size_t heldPos = 0;
    m_rest.clear();
    uint64_t next = m_next; // kept in a register: the loop below runs once per event
    for (;;) {
        // The source holding the lowest sequence number: a worker ring (r < workerRings), the shared copy or the held
        // events.
        size_t best = kNone;
        uint64_t bestSeq = kNone;
        for (size_t r = 0; r < workerRings; ++r) {
            if (m_pos[r] != m_end[r]) {
                const uint64_t s = m_rings[r]->seqAt(m_pos[r]);
                if (s < bestSeq && s < stopAt) {
                    bestSeq = s;
                    best = r;
                }
            }
        }
        if (sharedPos < m_shared.size() && m_shared[sharedPos].seq < bestSeq) {
            bestSeq = m_shared[sharedPos].seq;
            best = workerRings;
        }
        if (heldPos < held.size() && held[heldPos].seq < bestSeq) {
            bestSeq = held[heldPos].seq;
            best = workerRings + 1;
        }
        if (best == kNone)
            break;
        if (bestSeq > next && m_rest.empty() && ringsLost && bestSeq < pendingFrom) {
            // Events were lost from these rings, and no source holds the numbers up to bestSeq: lost ones (or taken
            // by a thread that has yet to write its event, which will then come too late). The end of the drain
            // would deliver past them anyway; going past them now keeps the events that follow out of the held
            // copies and in the run loop.
            next = bestSeq;
        }
        TraceEvent e;
        if (best < workerRings) {
            TraceRing& ring = *m_rings[best];
            uint64_t pos = m_pos[best];
            const uint64_t end = m_end[best];
            // A worker numbers its events from blocks, so its ring mostly holds runs of consecutive numbers: take
            // the whole run without looking at the other sources again.
            if (m_rest.empty() && bestSeq == next) {
                const uint64_t limit = stopAt - next < end - pos ? pos + (stopAt - next) : end; // (stopAt may be ~0)
                pos = out.takeRun(ring, pos, limit, next);
                if (pos != m_pos[best]) {
                    m_pos[best] = pos;
                    continue;
                }
            }
            if (bestSeq < next && !ring.isGap(pos)) {
                // Known already from a snapshot; or it came after a drain gave up waiting for it: then it is lost.
                if (bestSeq > m_covered)
                    ++dropped;
                ring.discard(pos);
                m_pos[best] = pos + 1;
                continue;
            }
            e = ring.take(pos);
            m_pos[best] = pos + 1;
        } else if (best == workerRings) {
            e = std::move(m_shared[sharedPos++]);
        } else {
            e = std::move(held[heldPos++]);
        }
        const uint64_t span = seqSpan(e);
        if (e.seq + span <= next) {
            // Known already (see above); a gap marker may also be covered by the events around it.
            if (e.kind != kSeqGapKind && e.seq > m_covered)
                ++dropped;
            continue;
        }
        if (!m_rest.empty() || e.seq > next) {
            m_rest.push_back(std::move(e));
            continue;
        }
        // e.seq <= next < e.seq + span: the next number, or a gap marker covering it.
        next = e.seq + span;
        if (e.kind != kSeqGapKind)
            out.push(std::move(e));
    }
    m_next = next;
    bool left = false; // events stay in a worker ring behind a number an open block may still carry
    for (size_t r = 0; r < workerRings; ++r) {
        m_rings[r]->release(m_pos[r]);
        left = left || m_pos[r] != m_end[r];
    }
    adaptLimits();
    // Events wait for a number an open block may still carry: in a worker ring, or held after a gap at it.
    const bool waiting = pendingFrom != kNone && (left || (!m_rest.empty() && next >= pendingFrom));
    if (waiting) {
        // A busy worker uses its numbers within microseconds: one that has kept the same number open for a
        // millisecond (a long slice, or its thread preempted) is asked to give its block up.
        if (m_stopSeq != pendingFrom) {
            m_stopSeq = pendingFrom;
            m_stopSinceNs = now;
        } else if (m_hub && now - m_stopSinceNs >= kAskAfterNs) {
            m_hub->askToClose(pendingFrom);
        }
    } else {
        m_stopSeq = 0;
    }
    held.clear();
    // Deliver the contiguous run; the events after a gap wait for it. A number an open block may still carry comes
    // when its worker uses it or gives the block up: a drain that finds the same number missing again asks the
    // worker to give it up, and the events wait as long as the block stays open (up to the hold limit). Any other
    // number was taken by a thread that has yet to write its event (preempted in between, say): the events after it
    // wait up to kGapWaitNs, however many drains that takes. Unless events were lost anyway.
    if (!m_rest.empty()) {
        const bool mayCome = next > handedOut || (next >= pendingFrom && !waitedTooLong);
        if (m_gapSeq != next) {
            m_gapSeq = next; // a new gap (or the first): its wait starts now
            m_gapSinceNs = now;
        }
        if (mayCome)
            m_gapSinceNs = now;
        const bool giveUp = mayCome ? m_rest.size() > m_holdLimit : now - m_gapSinceNs >= kGapWaitNs;
        if (ringsLost || giveUp) {
            // The gap did not fill in time: those events were lost. Deliver the rest in order, up to the first number
            // an open block may still carry (unless that one has been waited for too long as well, or the held
            // events reached their limit); what comes after it keeps waiting.
            const uint64_t upTo = (giveUp && mayCome) || waitedTooLong ? kNone : pendingFrom;
            m_held.clear();
            for (TraceEvent& e : m_rest) {
                if (e.seq >= upTo) {
                    m_held.push_back(std::move(e));
                    continue;
                }
                m_next = std::max(m_next, e.seq + seqSpan(e));
                if (e.kind != kSeqGapKind)
                    out.push(std::move(e));
            }
            m_rest.clear();
            m_gapSeq = 0;
        } else {
            m_held.swap(m_rest);
        }
    } else {
        m_gapSeq = 0;
    }
    out.finish();
    g.unlock();
    // Producers wake a waiting subscriber only when they find its ring empty, which these rings may not be: tell it
    // now that there is more to drain (outside the drain's lock, so that the callback may drain at once).
    if (waiting)
        notify();
    return dropped;
}

// A subscriber that lost events resynchronises from a snapshot, which makes every event produced until then
// redundant. When even a whole ring could not hold what a worker produced between two drains (a spawn storm observed
// at 30 Hz), the ring would refill at full cost after every drain only for its events to be thrown away: so then it
// keeps an eighth as many as before (down to a 64th of its size, at least 1,024), until a drain finds that a whole
// ring would have held everything again. What a ring turns away is still counted as lost.
void TraceSubscriptionImpl::adaptLimits()
{
    for (size_t r = 0; r + 1 < m_rings.size(); ++r) {
        TraceRing& ring = *m_rings[r];
        if (m_demand[r] <= ring.size()) {
            if (ring.limit() != ring.size())
                ring.setLimit(ring.size());
            continue;
        }
        const size_t floor = std::min(ring.size(), std::max<size_t>(ring.size() / 64, 1024));
        ring.setLimit(std::max(floor, ring.limit() / 8));
    }
}

TraceHub::~TraceHub() = default;

std::shared_ptr<TraceSubscription> TraceHub::subscribe(size_t workers, size_t capacity, int callerWorker)
{
    std::shared_ptr<TraceSubscriptionImpl> sub;
    {
        std::lock_guard g(m_mutex);
        for (size_t i = 0; i < kMaxSubscribers && !sub; ++i) {
            if (!m_owners[i]) {
                sub = std::make_shared<TraceSubscriptionImpl>(workers, capacity, m_seq.load() + 1);
                sub->setHub(this);
                m_owners[i] = sub;
                m_slots[i].store(sub.get(), std::memory_order_seq_cst);
                m_active.fetch_add(1, std::memory_order_acq_rel);
                updateOnly();
            }
        }
    }
    if (!sub)
        return nullptr;
    // Events from blocks opened before now are not this subscriber's, but may still be written: wait until those
    // blocks are given up (a busy worker does so at its next event or slice end, an idle one has already), then
    // start after every number they held.
    closeOwnBlock(callerWorker);
    uint64_t ignored = 0;
    const uint64_t before = pending(ignored);
    // (A worker that stays in one slice for over a second is not waited for: its events from before may then
    // reach this subscriber numbered below its first, and are dropped.)
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    for (;;) {
        uint64_t from = 0;
        pending(from);
        if (from > before || std::chrono::steady_clock::now() >= deadline)
            break;
        askToClose(before);
        std::this_thread::yield();
    }
    sub->skipUpTo(before);
    return sub;
}

void TraceHub::unsubscribe(const std::shared_ptr<TraceSubscription>& sub)
{
    std::lock_guard g(m_mutex);
    for (size_t i = 0; i < kMaxSubscribers; ++i) {
        if (m_owners[i] && m_owners[i].get() == sub.get()) {
            m_slots[i].store(nullptr, std::memory_order_release);
            m_retired.push_back(std::move(m_owners[i]));
            m_active.fetch_sub(1, std::memory_order_acq_rel);
        }
    }
    updateOnly();
    // A worker's open block may still write events in place into the ring of the subscriber that left (see
    // claimDirect): it gives the block up at its next event instead of at the block's end.
    askToClose(m_seq.load(std::memory_order_acquire));
}

void TraceHub::updateOnly()
{
    TraceSubscriptionImpl* only = nullptr;
    int count = 0;
    for (auto& slot : m_slots)
        if (auto* sub = slot.load(std::memory_order_relaxed)) {
            only = sub;
            ++count;
        }
    m_only.store(count == 1 ? only : nullptr, std::memory_order_seq_cst);
}

void TraceHub::setWorkers(size_t workers)
{
    m_blocks = std::make_unique<SeqBlock[]>(workers);
    m_blockCount = workers;
}

uint64_t TraceHub::openBlock(SeqBlock& b, int worker)
{
    closeBlock(b, worker);
    b.stale = false;
    // Announced before the block is taken: a drain that reads the counter and then this word either sees kOpening or
    // finds the new block above what it read (the store, the counter's read-modify-write and the drain's two loads
    // are all sequentially consistent).
    b.word.store(kOpening, std::memory_order_seq_cst);
    // The counter's read-modify-write comes after whatever hand-over made the block stale, so the new block lies
    // above every number the other thread had taken before it.
    const uint64_t first = m_seq.fetch_add(kSeqBlock, std::memory_order_seq_cst) + 1;
    // The single subscriber is read after the counter: one that subscribes later either finds this block's numbers
    // at or below what it waits to see given up (see subscribe), or was already in place for this read.
    TraceSubscriptionImpl* only = m_only.load(std::memory_order_seq_cst);
    b.ringOwner = only && size_t(worker) < only->workerRings() ? only : nullptr;
    b.ring = b.ringOwner ? &only->workerRing(worker) : nullptr;
    b.word.store((first << 8) | kSeqBlock, std::memory_order_release);
    return first;
}

void TraceHub::closeBlock(SeqBlock& b, int worker)
{
    const uint64_t w = b.word.load(std::memory_order_relaxed);
    if ((w & 0xFF) != 0 && w != kOpening) {
        const uint32_t wake = publishGap(worker, w >> 8, w & 0xFF);
        b.word.store(0, std::memory_order_release); // after the marker: a drain that sees the block closed finds it
        notifySubscribers(wake);
    }
    if (b.closeWanted.load(std::memory_order_relaxed))
        b.closeWanted.store(false, std::memory_order_relaxed);
}

uint64_t TraceHub::pending(uint64_t& pendingFrom) const
{
    const uint64_t handedOut = m_seq.load(std::memory_order_seq_cst);
    pendingFrom = ~uint64_t(0);
    for (size_t i = 0; i < m_blockCount; ++i) {
        uint64_t w = m_blocks[i].word.load(std::memory_order_seq_cst);
        // A worker takes a new block in a few instructions: look again for a moment before assuming the worst.
        for (int spins = 0; w == kOpening && spins < 100; ++spins)
            w = m_blocks[i].word.load(std::memory_order_seq_cst);
        if (w == kOpening)
            pendingFrom = 0; // its new block may lie anywhere up to handedOut
        else if ((w & 0xFF) != 0 && (w >> 8) <= handedOut)
            pendingFrom = std::min(pendingFrom, w >> 8);
    }
    return handedOut;
}

void TraceHub::askToClose(uint64_t seq)
{
    for (size_t i = 0; i < m_blockCount; ++i) {
        SeqBlock& b = m_blocks[i];
        const uint64_t w = b.word.load(std::memory_order_relaxed);
        if (w != kOpening && (w & 0xFF) != 0 && (w >> 8) <= seq && !b.closeWanted.load(std::memory_order_relaxed))
            b.closeWanted.store(true, std::memory_order_relaxed);
    }
}

uint32_t TraceHub::publishGap(int worker, uint64_t first, uint64_t count)
{
    TraceEvent gap;
    gap.seq = first;
    gap.kind = kSeqGapKind;
    gap.count = uint32_t(count);
    uint32_t wake = 0;
    for (size_t i = 0; i < kMaxSubscribers; ++i)
        if (auto* sub = m_slots[i].load(std::memory_order_seq_cst))
            wake |= sub->push(worker, TraceEvent(gap)) ? 1u << i : 0u;
    return wake;
}

void TraceHub::notifySubscribers(uint32_t which)
{
    for (size_t i = 0; which != 0 && i < kMaxSubscribers; ++i, which >>= 1)
        if (which & 1)
            if (auto* sub = m_slots[i].load(std::memory_order_acquire))
                sub->notify();
}

bool TraceHub::wantsAny(int worker)
{
    if (size_t(worker) >= m_blockCount)
        return true;
    bool any = false;
    for (auto& slot : m_slots) {
        if (auto* sub = slot.load(std::memory_order_acquire)) {
            if (!sub->ringFull(worker))
                return true;
            any = true;
        }
    }
    if (!any)
        return true;
    // Every ring full: the event is lost to all of them. (A ring a drain empties meanwhile counts it lost too.)
    for (auto& slot : m_slots)
        if (auto* sub = slot.load(std::memory_order_acquire))
            sub->countDrop(worker);
    return false;
}

void TraceHub::publish(int worker, TraceEvent&& e)
{
    SeqBlock* b = size_t(worker) < m_blockCount ? &m_blocks[size_t(worker)] : nullptr;
    e.seq = b ? nextSeq(*b, worker) : m_seq.fetch_add(1, std::memory_order_acq_rel) + 1;
    publishNumbered(worker, std::move(e), b);
}

void TraceHub::publishNumbered(int worker, TraceEvent&& e, SeqBlock* b)
{
    TraceSubscriptionImpl* only = m_only.load(std::memory_order_seq_cst);
    bool wakeOnly = false;
    uint32_t wake = 0;
    if (only) {
        wakeOnly = only->push(worker, std::move(e));
    } else {
        size_t last = kMaxSubscribers;
        TraceSubscriptionImpl* lastSub = nullptr;
        for (size_t i = 0; i < kMaxSubscribers; ++i) {
            if (auto* sub = m_slots[i].load(std::memory_order_seq_cst)) {
                if (lastSub)
                    wake |= lastSub->push(worker, TraceEvent(e)) ? 1u << last : 0u;
                last = i;
                lastSub = sub;
            }
        }
        if (lastSub)
            wake |= lastSub->push(worker, std::move(e)) ? 1u << last : 0u;
    }
    // The number is used only now that its event is in the rings: a drain that reads the block meanwhile waits for it.
    if (b)
        b->word.store(b->word.load(std::memory_order_relaxed) + 0xFF, std::memory_order_release); // next + 1, left - 1
    // Subscribers are woken only now: a callback may emit events of its own, which take the next numbers.
    if (wakeOnly)
        only->notify();
    notifySubscribers(wake);
}

} // namespace vigil
