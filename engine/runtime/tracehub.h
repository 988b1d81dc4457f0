#pragma once

// Fan-out of trace events to subscribers. Each subscriber has one single-producer ring per worker thread plus a
// locked ring for every other thread, so producers never block and never share a cache line on the hot path.

#include "runtime/runtime.h"

#include <algorithm>
#include <array>
#include <memory>
#include <atomic>
#include <mutex>

namespace vigil {

// One event as the rings store it: plain data on one cache line. The consumer only reads a slot, so the line a
// producer writes next is never one the consumer has dirtied; the terms' references travel as plain values.
struct alignas(64) TraceSlot {
    uint64_t seq;
    int64_t timeNs;
    uint64_t pid;
    uint64_t other;
    uint64_t old;
    uint64_t dataBits;
    uint64_t extraBits;
    uint32_t count;
    TraceKind kind;
    SignalOutcome outcome;
    Term::Type dataType;
    Term::Type extraType;

    // Every field but seq; the slot takes over the two terms' references (they are left empty).
    void set(int64_t time, TraceKind k, SignalOutcome o, uint32_t n, uint64_t p, uint64_t oth, uint64_t ol, Term& data,
        Term& extra)
    {
        setTaken(time, k, o, n, p, oth, ol, data.take(), extra.take());
    }
    // The same with the terms already taken.
    void setTaken(int64_t time, TraceKind k, SignalOutcome o, uint32_t n, uint64_t p, uint64_t oth, uint64_t ol,
        Term::Taken d, Term::Taken x)
    {
        timeNs = time;
        pid = p;
        other = oth;
        old = ol;
        dataBits = d.bits;
        extraBits = x.bits;
        count = n;
        kind = k;
        outcome = o;
        dataType = d.type;
        extraType = x.type;
    }
};
static_assert(sizeof(TraceSlot) == 64, "a trace slot is one cache line");

class TraceHub;

// A slot's event as a TraceEvent, taking over the references of its terms (each slot is read out exactly once).
inline TraceEvent eventFromSlot(const TraceSlot& s)
{
    return TraceEvent(s.seq, s.timeNs, s.kind, s.outcome, s.count, s.pid, s.other, s.old, { s.dataType, s.dataBits },
        { s.extraType, s.extraBits });
}
// The same, appended to `out` in place.
inline void appendFromSlot(std::vector<TraceEvent>& out, const TraceSlot& s)
{
    out.emplace_back(s.seq, s.timeNs, s.kind, s.outcome, s.count, s.pid, s.other, s.old,
        Term::Taken { s.dataType, s.dataBits }, Term::Taken { s.extraType, s.extraBits });
}

// Inside the hub and the drain only: a run of sequence numbers no event will carry (the unused rest of a worker's
// block, see TraceHub). seq is the first, count how many. Subscribers never see it.
constexpr TraceKind kSeqGapKind = TraceKind(0xFF);

class TraceRing {
public:
    explicit TraceRing(size_t capacity);
    ~TraceRing();
    TraceRing(const TraceRing&) = delete;
    TraceRing& operator=(const TraceRing&) = delete;

    // Single producer. Returns true if the ring was empty before (so the consumer may want a wake-up); that answer
    // costs a read of the consumer's position, so it is only given when exactEmpty is set.
    bool push(TraceEvent&& e, bool& dropped, bool exactEmpty);
    // The same in two steps, for a producer that writes its event straight into the slot: claim() gives the slot the
    // next event goes into, or nullptr when the ring is full (the caller counts the drop); commit() publishes it and
    // answers as push does.
    [[gnu::always_inline]] TraceSlot* claim(bool exactEmpty)
    {
        const uint64_t head = m_head.load(std::memory_order_relaxed);
        if (exactEmpty || head - m_tailSeen >= m_limitSeen) {
            refresh();
            if (head - m_tailSeen >= m_limitSeen)
                return nullptr;
        }
        return &m_slots[head & m_mask];
    }
    bool commit()
    {
        const uint64_t head = m_head.load(std::memory_order_relaxed);
        m_head.store(head + 1, std::memory_order_release);
        return head == m_tailSeen;
    }

    // Single consumer: the events in [begin(), end()) are ready; read them with seqAt/take, then release(end).
    uint64_t begin() const { return m_tail.load(std::memory_order_relaxed); }
    uint64_t end() const { return m_head.load(std::memory_order_acquire); }
    uint64_t seqAt(uint64_t i) const { return m_slots[i & m_mask].seq; }
    bool isGap(uint64_t i) const;
    TraceEvent take(uint64_t i) const { return eventFromSlot(m_slots[i & m_mask]); } // each slot exactly once
    void takeInto(std::vector<TraceEvent>& out, uint64_t i) const { appendFromSlot(out, m_slots[i & m_mask]); }
    // Takes the events from `pos` on (up to `limit`) that carry the numbers `next`, next + 1, ...: appended to `out`,
    // `next` moved past them. Returns the position after the last one taken.
    uint64_t takeRunInto(std::vector<TraceEvent>& out, uint64_t pos, uint64_t limit, uint64_t& next) const;
    void discard(uint64_t i) const; // or dropped exactly once
    void release(uint64_t upTo) { m_tail.store(upTo, std::memory_order_release); }
    void popAll(std::vector<TraceEvent>& out);
    // Events dropped since the last call (consumer side).
    uint64_t takeDropped()
    {
        const uint64_t total = m_droppedTotal.load(std::memory_order_acquire);
        const uint64_t d = total - m_droppedSeen;
        m_droppedSeen = total;
        return d;
    }
    // Producer side: whether the ring is full, or holds as many events as the consumer's limit allows.
    bool full()
    {
        const uint64_t head = m_head.load(std::memory_order_relaxed);
        if (head - m_tailSeen < m_limitSeen)
            return false;
        refresh();
        return head - m_tailSeen >= m_limitSeen;
    }
    // Consumer side: how many events the producer may keep in the ring (at most its size; see drain).
    size_t size() const { return m_size; }
    size_t limit() const { return m_limit.load(std::memory_order_relaxed); }
    void setLimit(size_t events) { m_limit.store(std::clamp<size_t>(events, 1, m_size), std::memory_order_relaxed); }
    // One producer at a time (the shared ring's under its lock) counts its drops with a plain store on its own line:
    // a full ring costs the producer no read-modify-write per event.
    void countDrop() { m_droppedTotal.store(m_droppedTotal.load(std::memory_order_relaxed) + 1, std::memory_order_release); }
    // A gap marker that did not fit: its numbers count as lost to the drain, but no event was.
    void countGapDrop() { m_gapsDroppedTotal.store(m_gapsDroppedTotal.load(std::memory_order_relaxed) + 1, std::memory_order_release); }
    uint64_t takeGapsDropped()
    {
        const uint64_t total = m_gapsDroppedTotal.load(std::memory_order_acquire);
        const uint64_t d = total - m_gapsDroppedSeen;
        m_gapsDroppedSeen = total;
        return d;
    }

private:
    void refresh()
    {
        m_tailSeen = m_tail.load(std::memory_order_acquire);
        m_limitSeen = m_limit.load(std::memory_order_relaxed);
    }
    const size_t m_size;
    const size_t m_mask;
    std::unique_ptr<TraceSlot[]> m_slots;
    alignas(64) std::atomic<uint64_t> m_head { 0 }; // written by the producer
    uint64_t m_tailSeen = 0; // the producer's last reads of m_tail and m_limit
    uint64_t m_limitSeen = m_size;
    std::atomic<uint64_t> m_droppedTotal { 0 }; // written by the producer
    std::atomic<uint64_t> m_gapsDroppedTotal { 0 }; // written by the producer
    alignas(64) std::atomic<uint64_t> m_tail { 0 }; // written by the consumer
    std::atomic<uint64_t> m_limit { m_size }; // written by the consumer
    uint64_t m_droppedSeen = 0; // the consumer's last read of m_droppedTotal
    uint64_t m_gapsDroppedSeen = 0; // and of m_gapsDroppedTotal
};

class TraceSubscriptionImpl final : public TraceSubscription {
public:
    TraceSubscriptionImpl(size_t workers, size_t capacity, uint64_t firstSeq);
    uint64_t drain(std::vector<TraceEvent>& out) override;
    uint64_t drain(const std::function<void(std::span<const TraceEvent>)>& visit) override;
    void setNotify(std::function<void()> notify) override;

    // worker < 0: any other thread. Returns whether the subscriber should be woken (its ring was empty and it asked
    // to be): the caller calls notify() once it has finished with the event's number.
    bool push(int worker, TraceEvent&& e);
    void notify();
    void skipUpTo(uint64_t seq); // events up to seq are already known (after a snapshot)
    // A worker's producer side of its own ring.
    bool ringFull(int worker) { return m_rings[size_t(worker)]->full(); }
    void countDrop(int worker) { m_rings[size_t(worker)]->countDrop(); }
    TraceRing& workerRing(int worker) { return *m_rings[size_t(worker)]; }
    size_t workerRings() const { return m_rings.size() - 1; }
    bool wantsNotify() const { return m_hasNotify.load(std::memory_order_acquire); }
    void setHub(TraceHub* hub) { m_hub = hub; }

private:
    template <class Sink>
    uint64_t drainInto(Sink& out); // both drains: Sink takes the events (see the sinks in tracehub.cpp)
    void adaptLimits(); // after each drain
    // Read by producers on every event: kept on a cache line nothing else writes while events flow.
    alignas(64) std::vector<std::unique_ptr<TraceRing>> m_rings; // one per worker, then the shared one
    std::atomic<bool> m_hasNotify { false }; // producers skip the notify lock when nobody asked to be woken
    TraceHub* m_hub = nullptr; // tells each drain which numbers open blocks may still carry
    // Locks, each taken now and then by one side or the other.
    alignas(64) std::mutex m_sharedMutex;
    std::mutex m_notifyMutex;
    std::function<void()> m_notify;
    // The drain's own state.
    alignas(64) std::mutex m_drainMutex;
    uint64_t m_next; // next sequence number to deliver
    uint64_t m_covered; // events numbered up to this are known already (before the subscription, or in a snapshot)
    std::vector<TraceEvent> m_held; // events after a gap, held back until it fills (see the end of drain)
    std::vector<TraceEvent> m_heldIn; // drain's copy of the events held by the previous one
    std::vector<TraceEvent> m_shared; // drain's copy of the shared ring, sorted
    std::vector<TraceEvent> m_rest; // drain's events after a gap
    std::vector<TraceEvent> m_batch; // a visiting drain's batch (kVisitBatch events, reused)
    std::vector<uint64_t> m_pos; // drain's read position in each worker ring
    std::vector<uint64_t> m_end;
    std::vector<uint64_t> m_demand; // events each worker ring was offered since the last drain (kept or lost)
    uint64_t m_gapSeq = 0; // the number the held events wait for (0: none)
    int64_t m_gapSinceNs = 0; // since when (while no open block may carry it)
    uint64_t m_stopSeq = 0; // the number at which the last drain left events in the worker rings
    int64_t m_stopSinceNs = 0; // since when drains stop there
    static constexpr int64_t kAskAfterNs = 1'000'000; // then the drain asks the block's worker to give it up
    static constexpr int64_t kGiveUpNs = 200'000'000; // then it goes past the number (its event counts as lost)
    static constexpr int64_t kGapWaitNs = 20'000'000;
    // Events held back at most while an open block may still carry the missing number (a worker in a very long
    // slice); beyond that the number is given up on and the subscriber told it lost events.
    const size_t m_holdLimit;
};

// Sequence numbers. One counter hands them out, but a worker thread takes them in blocks of kSeqBlock and numbers
// its events from its block, so the counter's cache line is not fought over on every event. Order is kept where it
// matters, between events one of which could have caused the other: a worker that takes in work from another
// thread (a process last run or spawned elsewhere: stolen, or started by the host; signals another thread pushed,
// which is also how the host and a timed message wake a process; the name registry) numbers the events that follow
// after everything the other thread had numbered before the hand-over. It takes a new block for that unless its
// own is past where the other thread's numbering stood, which signals and processes record (see position); a
// hand-over without such a record always takes one. Events with no such path between them may be numbered in
// either order, as two threads' events could be anyway (a receive timeout and a stats reminder hand nothing over:
// see Signal::kNeutralOrigin). Every number is either carried by one event or covered by a
// gap marker: a worker reports the unused rest of a block it gives up.
//
// Only the worker writes its block, with plain stores, so taking a number costs no read-modify-write (a locked
// instruction there would wait for every store before it, the new process's included: that wait was half of what
// tracing cost a spawn-heavy workload). A number counts as used only once its event is in the rings. The worker
// gives its block up when it stops running slices (to sleep, or because the world stops) and when a drain asks it
// to. A drain reads which numbers the open blocks may still carry (pending) and holds back the events after such a
// number until it comes; a drain that finds the same number still missing asks the block's worker to give it up,
// which a busy worker does at its next event or slice end.
class TraceHub {
public:
    static constexpr size_t kMaxSubscribers = 8;
    static constexpr uint64_t kSeqBlock = 128; // at most 255: a block's remaining count lives in the low byte
    ~TraceHub();
    void setWorkers(size_t workers); // before any worker runs
    bool enabled() const { return m_active.load(std::memory_order_relaxed) > 0; }
    // Numbers up to this one are handed out; with every worker out of its slices (the world stopped) and the calling
    // thread's block closed, no event numbered up to it is still to come from a worker.
    uint64_t currentSeq() const { return m_seq.load(std::memory_order_acquire); }
    // callerWorker: the worker thread subscribing, or -1. Returns once no block opened before the subscription is
    // still in use, so that every event still to come is numbered after the subscriber's first number.
    std::shared_ptr<TraceSubscription> subscribe(size_t workers, size_t capacity, int callerWorker = -1);
    void unsubscribe(const std::shared_ptr<TraceSubscription>& sub);
    void publish(int worker, TraceEvent&& e); // assigns seq
    // The usual case, a worker's event with exactly one subscriber: checked against the ring, numbered and written
    // straight into the ring's slot by fill(slot) (everything but seq), with no TraceEvent built and moved on the
    // way. Returns false, having done nothing, when that case does not apply: then use wants() and publish().
    template <class Fill>
    bool publishDirect(int worker, Fill&& fill)
    {
        TraceSubscriptionImpl* only = m_only.load(std::memory_order_seq_cst);
        if (!only || size_t(worker) >= m_blockCount)
            return false;
        TraceRing& ring = only->workerRing(worker);
        if (ring.full()) {
            ring.countDrop(); // lost before it was built, as in wants()
            return true;
        }
        SeqBlock& b = m_blocks[size_t(worker)];
        const uint64_t seq = nextSeq(b, worker); // may put a gap marker into the ring first
        if (m_only.load(std::memory_order_seq_cst) != only) {
            // The subscribers changed while it took its number (one subscribed, or one left): a new subscriber may
            // count on this number, so the event goes to every current subscriber, as publish() sends it.
            TraceSlot s {};
            fill(s);
            s.seq = seq;
            publishNumbered(worker, eventFromSlot(s), &b);
            return true;
        }
        const bool exact = only->wantsNotify();
        bool wake = false;
        if (TraceSlot* slot = ring.claim(exact)) {
            fill(*slot);
            slot->seq = seq;
            wake = ring.commit() && exact;
        } else {
            ring.countDrop();
        }
        // As in publish: the number is used only once its event is in the ring, and the subscriber woken after that.
        b.word.store(b.word.load(std::memory_order_relaxed) + 0xFF, std::memory_order_release);
        if (wake)
            only->notify();
        return true;
    }
private:
    struct SeqBlock;

public:
    // publishDirect's common case in two inline steps, for callers that write the slot themselves: the worker's
    // block has a number left, the ring has room and the subscribers did not change. claimDirect() gives the slot
    // (nullptr: take the long way, publishDirect); commitDirect() numbers and publishes it. No event is built and no
    // fill function is handed around, so the caller keeps its fields in registers.
    struct DirectClaim {
        TraceSubscriptionImpl* only;
        TraceRing* ring;
        SeqBlock* block;
        uint64_t word;
        bool exact;
    };
    [[gnu::always_inline]] TraceSlot* claimDirect(int worker, DirectClaim& c)
    {
        if (size_t(worker) >= m_blockCount)
            return nullptr;
        SeqBlock& b = m_blocks[size_t(worker)];
        const uint64_t w = b.word.load(std::memory_order_relaxed);
        TraceRing* ring = b.ring;
        if ((w & 0xFF) == 0 || !ring || b.closeWanted.load(std::memory_order_relaxed))
            return nullptr; // a new block first, or not the single-subscriber case
        const bool exact = b.ringOwner->wantsNotify();
        TraceSlot* slot = ring->claim(exact);
        if (!slot)
            return nullptr; // full
        // The subscriber is the one there was right after the block was opened (see openBlock), not looked up again:
        // a subscriber that came since starts after every number such a block holds (see subscribe), while one that
        // left is kept alive, its ring written to no purpose until the block is given up.
        c = DirectClaim { b.ringOwner, ring, &b, w, exact };
        return slot;
    }
    [[gnu::always_inline]] void commitDirect(TraceSlot* slot, const DirectClaim& c)
    {
        slot->seq = c.word >> 8;
        const bool wake = c.ring->commit() && c.exact;
        // As in publish: the number is used only once its event is in the ring, and the subscriber woken after that.
        c.block->word.store(c.word + 0xFF, std::memory_order_release);
        if (wake)
            c.only->notify();
    }
    // Called by a worker before it builds an event: false when every subscriber's ring for this worker is full, in
    // which case the event is counted as dropped by each and takes no sequence number (a subscriber that lost events
    // learns it from the count, and resynchronises).
    bool wants(int worker)
    {
        // One subscriber is the common case (the window, a recorder): no walk over the subscriber slots.
        if (TraceSubscriptionImpl* only = m_only.load(std::memory_order_acquire);
            only && size_t(worker) < m_blockCount) {
            if (!only->ringFull(worker))
                return true;
            only->countDrop(worker);
            return false;
        }
        return wantsAny(worker);
    }
    // Work handed over with a record of where its thread's numbering stood, so that the worker taking it in opens a
    // new block only when its own is not past that already. position(): every number the calling worker has used is
    // below it; 0 when that is not known (no open block, or one a hand-over made stale). A hand-over records only the
    // low bits of a position; positionFrom() gives back a number at least as high (the highest with those bits that
    // is not past what has been handed out), ~0 when the bits are 0 (not known). numberFrom(): the calling worker's
    // next events are numbered at least `seq` (~0: past every number handed out so far), in a new block unless its
    // open one is that far already.
    uint64_t position(int worker) const
    {
        if (size_t(worker) >= m_blockCount)
            return 0;
        const SeqBlock& b = m_blocks[size_t(worker)];
        const uint64_t w = b.word.load(std::memory_order_relaxed);
        return b.stale ? 0 : w >> 8;
    }
    uint64_t positionFrom(uint64_t lowBits, unsigned bits) const
    {
        const uint64_t span = uint64_t(1) << bits;
        if (lowBits == 0)
            return ~uint64_t(0);
        // Every position is at most one past the last number handed out, which the hand-over has made visible here.
        const uint64_t limit = m_seq.load(std::memory_order_relaxed) + 1;
        uint64_t p = (limit & ~(span - 1)) | lowBits;
        if (p > limit) {
            if (p < span)
                return ~uint64_t(0);
            p -= span;
        }
        return p;
    }
    void numberFrom(int worker, uint64_t seq)
    {
        if (size_t(worker) >= m_blockCount)
            return;
        SeqBlock& b = m_blocks[size_t(worker)];
        // Also with no numbers left, or none open: position() must not report the old next number meanwhile.
        if ((b.word.load(std::memory_order_relaxed) >> 8) < seq) {
            b.stale = true;
            b.ring = nullptr; // claimDirect's one test for both
        }
    }
    // The calling worker gives its block up: the unused rest becomes a gap marker in its own ring.
    void closeOwnBlock(int worker)
    {
        if (size_t(worker) < m_blockCount)
            closeBlock(m_blocks[size_t(worker)], worker);
    }
    // The calling worker gives its block up if a drain asked it to (a relaxed load when none did).
    void closeOwnBlockIfWanted(int worker)
    {
        if (size_t(worker) < m_blockCount && m_blocks[size_t(worker)].closeWanted.load(std::memory_order_relaxed))
            closeBlock(m_blocks[size_t(worker)], worker);
    }
    // Drain side, before it reads the rings. Every number up to the returned one has been handed out, and every event
    // numbered up to it is in its ring (or covered by a gap marker) except: numbers from pendingFrom on, which open
    // blocks may still carry (~0: none), and numbers a thread without a block took and has not written yet.
    uint64_t pending(uint64_t& pendingFrom) const;
    // Asks the workers whose open blocks may carry numbers up to `seq` to give them up.
    void askToClose(uint64_t seq);

private:
    // (next number << 8) | numbers left; 0: no open block; kOpening: the worker is taking a new block.
    static constexpr uint64_t kOpening = 0xFF;
    struct alignas(64) SeqBlock {
        std::atomic<uint64_t> word { 0 }; // written by the worker only; read by drains
        std::atomic<bool> closeWanted { false }; // set by a drain, cleared by the worker as it closes the block
        bool stale = false; // only the worker touches this, and the two below
        // The single subscriber's ring for this worker, as it was just after the block was taken (nullptr: none, or
        // several subscribers; also while the block is stale), so that claimDirect need not look it up per event.
        TraceRing* ring = nullptr;
        TraceSubscriptionImpl* ringOwner = nullptr;
    };
    // The number the worker's next event carries (not used up yet).
    uint64_t nextSeq(SeqBlock& b, int worker)
    {
        const uint64_t w = b.word.load(std::memory_order_relaxed);
        if ((w & 0xFF) != 0 && !b.stale && !b.closeWanted.load(std::memory_order_relaxed))
            return w >> 8;
        return openBlock(b, worker);
    }
    uint64_t openBlock(SeqBlock& b, int worker); // closes the current one first
    // The rest of publish(), for an event that has its number (b: the worker's block it came from, or null).
    void publishNumbered(int worker, TraceEvent&& e, SeqBlock* b);
    void closeBlock(SeqBlock& b, int worker);
    bool wantsAny(int worker);
    void updateOnly(); // under m_mutex
    uint32_t publishGap(int worker, uint64_t first, uint64_t count); // which subscribers to wake (bit i: slot i)
    void notifySubscribers(uint32_t which);
    std::unique_ptr<SeqBlock[]> m_blocks;
    size_t m_blockCount = 0;
    std::atomic<TraceSubscriptionImpl*> m_slots[kMaxSubscribers] {};
    std::atomic<TraceSubscriptionImpl*> m_only { nullptr }; // the subscriber when there is exactly one
    std::shared_ptr<TraceSubscriptionImpl> m_owners[kMaxSubscribers];
    std::vector<std::shared_ptr<TraceSubscriptionImpl>> m_retired; // kept until the hub dies: producers may hold them
    std::mutex m_mutex;
    std::atomic<int> m_active { 0 }; // read on every tracing() check: kept off the sequence counter's cache line
    alignas(64) std::atomic<uint64_t> m_seq { 0 };
    char m_seqLineEnd[64 - sizeof(std::atomic<uint64_t>)] {};
};

} // namespace vigil
