#include "scriptconsole.h"

#include "consolewidget.h"

#if __has_include("script/script.h")
#include "script/script.h"
#define VIGIL_HAVE_SCRIPT 1
#endif

#include <QThreadPool>

namespace vigil {

std::shared_ptr<void> attachScriptConsole(ConsoleWidget* console, Runtime& runtime)
{
#ifdef VIGIL_HAVE_SCRIPT
    auto printer = console->printer();
    auto session = std::make_shared<ScriptSession>(runtime, [printer](const std::string& text) {
        const QString t = QString::fromStdString(text);
        const bool error = t.startsWith(QLatin1String("** ")) || t.contains(QLatin1String("\n** "));
        printer(t, error ? ConsoleWidget::OutputKind::Error : ConsoleWidget::OutputKind::Stdout);
    });
    console->setContinuationCheck([](const QString& code) { return ScriptSession::needsMoreInput(code.toStdString()); });
    std::weak_ptr<ScriptSession> weak = session;
    console->setEvaluator([weak](const QString& code, ConsoleWidget::Printer print) {
        QThreadPool::globalInstance()->start([weak, code, print] {
            auto s = weak.lock();
            if (!s)
                return;
            if (!s->evaluate(code.toStdString()))
                print(QStringLiteral("(still running; output will follow)"), ConsoleWidget::OutputKind::Info);
        });
    });
    return session;
#else
    (void)console;
    (void)runtime;
    return nullptr;
#endif
}

} // namespace vigil
