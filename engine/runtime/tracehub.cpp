#include "runtime/tracehub.h"

#include <algorithm>

namespace vigil {

namespace {
size_t roundUpPow2(size_t n)
{
    size_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}
} // namespace

TraceRing::TraceRing(size_t capacity)
    : m_slots(roundUpPow2(std::max<size_t>(capacity, 16)))
    , m_mask(m_slots.size() - 1)
{
}

bool TraceRing::push(TraceEvent&& e, bool& dropped)
{
    const uint64_t head = m_head.load(std::memory_order_relaxed);
    const uint64_t tail = m_tail.load(std::memory_order_acquire);
    if (head - tail >= m_slots.size()) {
        m_dropped.fetch_add(1, std::memory_order_relaxed);
        dropped = true;
        return false;
    }
    m_slots[head & m_mask] = std::move(e);
    m_head.store(head + 1, std::memory_order_release);
    dropped = false;
    return head == tail;
}

void TraceRing::popAll(std::vector<TraceEvent>& out)
{
    uint64_t tail = m_tail.load(std::memory_order_relaxed);
    const uint64_t head = m_head.load(std::memory_order_acquire);
    for (; tail != head; ++tail)
        out.push_back(std::move(m_slots[tail & m_mask]));
    m_tail.store(tail, std::memory_order_release);
}

TraceSubscriptionImpl::TraceSubscriptionImpl(size_t workers, size_t capacity, uint64_t firstSeq)
    : m_next(firstSeq)
{
    for (size_t i = 0; i < workers + 1; ++i)
        m_rings.push_back(std::make_unique<TraceRing>(capacity));
}

void TraceSubscriptionImpl::push(int worker, TraceEvent&& e)
{
    TraceEvent& copy = e;
    bool dropped = false;
    bool wasEmpty = false;
    if (worker >= 0 && size_t(worker) + 1 < m_rings.size()) {
        wasEmpty = m_rings[size_t(worker)]->push(std::move(copy), dropped);
    } else {
        std::lock_guard g(m_sharedMutex);
        wasEmpty = m_rings.back()->push(std::move(copy), dropped);
    }
    if (wasEmpty && m_hasNotify.load(std::memory_order_acquire)) {
        std::lock_guard g(m_notifyMutex);
        if (m_notify)
            m_notify();
    }
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
    std::erase_if(m_held, [seq](const TraceEvent& e) { return e.seq <= seq; });
}

uint64_t TraceSubscriptionImpl::drain(std::vector<TraceEvent>& out)
{
    std::lock_guard g(m_drainMutex);
    // Each worker ring is already in sequence order (one producer): merge them straight into `out` instead of
    // sorting everything. The run buffers are members, so a steady stream of drains allocates nothing.
    const size_t rings = m_rings.size();
    m_runs.resize(rings + 1);
    uint64_t dropped = 0;
    for (size_t i = 0; i < rings; ++i) {
        m_runs[i].clear();
        m_rings[i]->popAll(m_runs[i]);
        dropped += m_rings[i]->takeDropped();
    }
    auto bySeq = [](const TraceEvent& a, const TraceEvent& b) { return a.seq < b.seq; };
    // Threads sharing the last ring take their sequence numbers before its lock, so that run may be out of order.
    std::sort(m_runs[rings - 1].begin(), m_runs[rings - 1].end(), bySeq);
    m_runs[rings].clear();
    m_runs[rings].swap(m_held);
    m_pos.assign(m_runs.size(), 0);
    // Deliver the contiguous run; an event written a moment late by another thread fills its gap next time.
    std::vector<TraceEvent> rest;
    for (;;) {
        size_t best = m_runs.size();
        for (size_t r = 0; r < m_runs.size(); ++r)
            if (m_pos[r] < m_runs[r].size()
                && (best == m_runs.size() || m_runs[r][m_pos[r]].seq < m_runs[best][m_pos[best]].seq))
                best = r;
        if (best == m_runs.size())
            break;
        TraceEvent& e = m_runs[best][m_pos[best]++];
        if (e.seq < m_next)
            continue; // already covered by a snapshot
        if (rest.empty() && e.seq == m_next) {
            out.push_back(std::move(e));
            ++m_next;
        } else {
            rest.push_back(std::move(e));
        }
    }
    if (!rest.empty()) {
        if (m_heldRounds > 0 || dropped > 0) {
            // The gap did not fill within one round: those events were lost. Deliver the rest in order.
            for (TraceEvent& e : rest) {
                m_next = e.seq + 1;
                out.push_back(std::move(e));
            }
            m_heldRounds = 0;
        } else {
            m_held = std::move(rest);
            m_heldRounds = 1;
        }
    } else {
        m_heldRounds = 0;
    }
    return dropped;
}

TraceHub::~TraceHub() = default;

std::shared_ptr<TraceSubscription> TraceHub::subscribe(size_t workers, size_t capacity)
{
    std::lock_guard g(m_mutex);
    for (size_t i = 0; i < kMaxSubscribers; ++i) {
        if (!m_owners[i]) {
            auto sub = std::make_shared<TraceSubscriptionImpl>(workers, capacity, m_seq.load() + 1);
            m_owners[i] = sub;
            m_slots[i].store(sub.get(), std::memory_order_release);
            m_active.fetch_add(1, std::memory_order_acq_rel);
            return sub;
        }
    }
    return nullptr;
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
}

void TraceHub::publish(int worker, TraceEvent&& e)
{
    e.seq = m_seq.fetch_add(1, std::memory_order_acq_rel) + 1;
    TraceSubscriptionImpl* last = nullptr;
    for (auto& slot : m_slots) {
        if (auto* sub = slot.load(std::memory_order_acquire)) {
            if (last)
                last->push(worker, TraceEvent(e));
            last = sub;
        }
    }
    if (last)
        last->push(worker, std::move(e));
}

} // namespace vigil
