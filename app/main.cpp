// vigil: the observer window on the bundled demo, or a headless script run.

#include "builtinprocesses.h"
#include "consolewidget.h"
#include "eventformat.h"
#include "graphview.h"
#include "mainwindow.h"
#include "scriptconsole.h"
#include "tracebridge.h"

#if __has_include("otp/demo.h")
#include "otp/demo.h"
#define VIGIL_HAVE_DEMO 1
#endif
#if __has_include("script/script.h")
#include "script/script.h"
#define VIGIL_HAVE_SCRIPT 1
#endif

#include <QApplication>
#include <QCommandLineParser>
#include <QFile>
#include <QThreadPool>
#include <QTimer>

#include <cstring>
#include <iostream>
#include <memory>

namespace {

bool hasArg(int argc, char** argv, const char* name)
{
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], name) == 0 || std::strncmp(argv[i], name, std::strlen(name)) == 0)
            return true;
    }
    return false;
}

} // namespace

int main(int argc, char** argv)
{
    // Headless modes never need a display; --screenshot renders offscreen unless a platform was chosen.
    const bool headless = hasArg(argc, argv, "--script") || hasArg(argc, argv, "--help") || hasArg(argc, argv, "-h")
        || hasArg(argc, argv, "--version") || hasArg(argc, argv, "-v");
    if (hasArg(argc, argv, "--screenshot") && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    std::unique_ptr<QCoreApplication> app;
    if (headless)
        app = std::make_unique<QCoreApplication>(argc, argv);
    else
        app = std::make_unique<QApplication>(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("vigil"));
    QCoreApplication::setOrganizationName(QStringLiteral("Vigil"));
    QCoreApplication::setApplicationVersion(QStringLiteral(VIGIL_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("See Erlang/Elixir-style processes live."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption scriptOpt(QStringLiteral("script"),
        QStringLiteral("Run an Elixir script headless and print what `elixir FILE.exs` prints."), QStringLiteral("FILE"));
    const QCommandLineOption scenarioOpt(QStringLiteral("scenario"),
        QStringLiteral("Open the window and run an Elixir scenario in it (instead of the demo)."), QStringLiteral("FILE"));
    const QCommandLineOption shotOpt(QStringLiteral("screenshot"),
        QStringLiteral("Render the main window offscreen into OUT.png, then quit."), QStringLiteral("OUT.png"));
    const QCommandLineOption afterOpt(QStringLiteral("after"),
        QStringLiteral("With --screenshot: let the demo run this long first (default 2000)."), QStringLiteral("MS"),
        QStringLiteral("2000"));
    const QCommandLineOption traceOpt(QStringLiteral("trace-out"),
        QStringLiteral("Record the trace event stream as JSON Lines."), QStringLiteral("FILE"));
    const QCommandLineOption darkOpt(QStringLiteral("dark"), QStringLiteral("Start with the dark theme."));
    parser.addOptions({ scriptOpt, scenarioOpt, shotOpt, afterOpt, traceOpt, darkOpt });
    parser.process(*app);

    if (parser.isSet(scriptOpt)) {
#ifdef VIGIL_HAVE_SCRIPT
        return vigil::runScriptFile(parser.value(scriptOpt).toStdString(), std::cout, std::cerr);
#else
        std::cerr << "vigil: this build has no Elixir interpreter\n";
        return 2;
#endif
    }

    bool afterOk = false;
    const int afterMs = parser.value(afterOpt).toInt(&afterOk);
    if (!afterOk || afterMs < 0) {
        std::cerr << "vigil: --after needs a number of milliseconds\n";
        return 2;
    }
    QString scenarioText;
    if (parser.isSet(scenarioOpt)) {
        QFile f(parser.value(scenarioOpt));
        if (!f.open(QIODevice::ReadOnly)) {
            std::cerr << "vigil: cannot read " << parser.value(scenarioOpt).toStdString() << ": "
                      << f.errorString().toStdString() << "\n";
            return 2;
        }
        scenarioText = QString::fromUtf8(f.readAll());
    }
    std::unique_ptr<QFile> traceFile;
    if (parser.isSet(traceOpt)) {
        traceFile = std::make_unique<QFile>(parser.value(traceOpt));
        if (!traceFile->open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            std::cerr << "vigil: cannot write " << parser.value(traceOpt).toStdString() << ": "
                      << traceFile->errorString().toStdString() << "\n";
            return 2;
        }
    }

    vigil::Runtime runtime;
    int rc = 0;
    {
        vigil::MainWindow window(runtime);
        // The console's shell is a real process in this runtime, like iex.
        const std::shared_ptr<void> consoleSession = vigil::attachScriptConsole(window.console(), runtime);
        if (traceFile) {
            QObject::connect(window.bridge(), &vigil::TraceBridge::eventsDrained, &window,
                [f = traceFile.get()](const std::vector<vigil::TraceEvent>& events) {
                    std::string out;
                    for (const vigil::TraceEvent& e : events) {
                        out += vigil::eventJsonLine(e);
                        out += '\n';
                    }
                    f->write(out.data(), qint64(out.size()));
                });
        }

        if (!scenarioText.isEmpty()) {
#ifdef VIGIL_HAVE_SCRIPT
            window.console()->evaluate(scenarioText);
#else
            std::cerr << "vigil: this build has no Elixir interpreter for --scenario\n";
            return 2;
#endif
        } else {
#ifdef VIGIL_HAVE_DEMO
            auto demo = vigil::otp::startDemo(runtime);
            if (!demo)
                std::cerr << "vigil: the demo did not start: " << vigil::formatExitReason(demo.error()) << "\n";
#else
            vigil::startPlainDemo(runtime);
#endif
        }

        if (parser.isSet(shotOpt)) {
            const QString out = parser.value(shotOpt);
            if (parser.isSet(darkOpt))
                window.setDarkTheme(true);
            window.resize(1600, 1000);
            window.show();
            QTimer::singleShot(afterMs, &window, [&window, out, &rc] {
                window.bridge()->drainNow();
                window.graphView()->flushLayout();
                // Inspect the busiest process, so the picture shows every panel at work.
                uint64_t busiest = 0;
                int64_t depth = -1;
                for (const auto& [pid, n] : window.bridge()->state().nodes()) {
                    if (n.alive && n.inTree && n.mailbox > depth) {
                        depth = n.mailbox;
                        busiest = pid;
                    }
                }
                if (busiest)
                    window.setSelection({ busiest });
                window.graphView()->fitAll();
                QCoreApplication::processEvents();
                if (!window.grab().save(out, "PNG")) {
                    std::cerr << "vigil: cannot write " << out.toStdString() << "\n";
                    rc = 1;
                }
                QCoreApplication::quit();
            });
        } else {
            window.restoreSettings();
            if (parser.isSet(darkOpt))
                window.setDarkTheme(true);
            window.show();
        }
        const int code = app->exec();
        if (rc == 0)
            rc = code;
        QThreadPool::globalInstance()->waitForDone(10000);
    }
    return rc;
}
