#pragma once

// Fan-out of trace events to subscribers. Each subscriber has one single-producer ring per worker thread plus a
// locked ring for every other thread, so producers never block and never share a cache line on the hot path.

#include "runtime/runtime.h"

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
};
static_assert(sizeof(TraceSlot) == 64, "a trace slot is one cache line");

class TraceRing {
public:
    explicit TraceRing(size_t capacity);
    ~TraceRing();
    TraceRing(const TraceRing&) = delete;
    TraceRing& operator=(const TraceRing&) = delete;

    // Single producer. Returns true if the ring was empty before (so the consumer may want a wake-up); that answer
    // costs a read of the consumer's position, so it is only given when exactEmpty is set.
    bool push(TraceEvent&& e, bool& dropped, bool exactEmpty);

    // Single consumer: the events in [begin(), end()) are ready; read them with seqAt/take, then release(end).
    uint64_t begin() const { return m_tail.load(std::memory_order_relaxed); }
    uint64_t end() const { return m_head.load(std::memory_order_acquire); }
    uint64_t seqAt(uint64_t i) const { return m_slots[i & m_mask].seq; }
    // The slots were written on another core: ask for them a few events ahead of the merge.
    void prefetch(uint64_t i) const { __builtin_prefetch(&m_slots[i & m_mask]); }
    TraceEvent take(uint64_t i) const; // each slot is taken exactly once
    void discard(uint64_t i) const; // or dropped exactly once
    void release(uint64_t upTo) { m_tail.store(upTo, std::memory_order_release); }
    void popAll(std::vector<TraceEvent>& out);
    uint64_t takeDropped() { return m_dropped.exchange(0, std::memory_order_acq_rel); }

private:
    const size_t m_size;
    const size_t m_mask;
    std::unique_ptr<TraceSlot[]> m_slots;
    alignas(64) std::atomic<uint64_t> m_head { 0 }; // written by the producer
    uint64_t m_tailSeen = 0; // the producer's last read of m_tail
    alignas(64) std::atomic<uint64_t> m_tail { 0 }; // written by the consumer
    std::atomic<uint64_t> m_dropped { 0 };
};

class TraceSubscriptionImpl final : public TraceSubscription {
public:
    TraceSubscriptionImpl(size_t workers, size_t capacity, uint64_t firstSeq);
    uint64_t drain(std::vector<TraceEvent>& out) override;
    void setNotify(std::function<void()> notify) override;

    void push(int worker, TraceEvent&& e); // worker < 0: any other thread
    void skipUpTo(uint64_t seq); // events up to seq are already known (after a snapshot)

private:
    std::vector<std::unique_ptr<TraceRing>> m_rings; // one per worker, then the shared one
    std::mutex m_sharedMutex;
    std::mutex m_drainMutex;
    std::mutex m_notifyMutex;
    std::function<void()> m_notify;
    std::atomic<bool> m_hasNotify { false }; // producers skip the notify lock when nobody asked to be woken
    uint64_t m_next; // next sequence number to deliver
    std::vector<TraceEvent> m_held; // events after a gap, held back for one drain
    std::vector<TraceEvent> m_heldIn; // drain's copy of the events held by the previous one
    std::vector<TraceEvent> m_shared; // drain's copy of the shared ring, sorted
    std::vector<TraceEvent> m_rest; // drain's events after a gap
    std::vector<uint64_t> m_pos; // drain's read position in each worker ring
    std::vector<uint64_t> m_end;
    int m_heldRounds = 0;
};

class TraceHub {
public:
    static constexpr size_t kMaxSubscribers = 8;
    ~TraceHub();
    bool enabled() const { return m_active.load(std::memory_order_relaxed) > 0; }
    uint64_t currentSeq() const { return m_seq.load(std::memory_order_acquire); }
    std::shared_ptr<TraceSubscription> subscribe(size_t workers, size_t capacity);
    void unsubscribe(const std::shared_ptr<TraceSubscription>& sub);
    void publish(int worker, TraceEvent&& e); // assigns seq

private:
    std::atomic<TraceSubscriptionImpl*> m_slots[kMaxSubscribers] {};
    std::shared_ptr<TraceSubscriptionImpl> m_owners[kMaxSubscribers];
    std::vector<std::shared_ptr<TraceSubscriptionImpl>> m_retired; // kept until the hub dies: producers may hold them
    std::mutex m_mutex;
    std::atomic<int> m_active { 0 }; // read on every tracing() check: kept off the sequence counter's cache line
    alignas(64) std::atomic<uint64_t> m_seq { 0 };
    char m_seqLineEnd[64 - sizeof(std::atomic<uint64_t>)] {};
};

} // namespace vigil
