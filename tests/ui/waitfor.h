#pragma once

// Waits for a condition while the Qt event loop runs. (QTRY_* report to QTest, not to GoogleTest.)

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTest>

#include <functional>

namespace vigil::test {

inline bool waitFor(const std::function<bool()>& condition, int timeoutMs = 10000)
{
    QElapsedTimer t;
    t.start();
    while (!condition()) {
        if (t.elapsed() > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        QTest::qSleep(5);
    }
    return true;
}

} // namespace vigil::test
