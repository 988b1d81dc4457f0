// Every bundled lesson (resources/lessons/*.exs) runs step by step in the console session and prints what the
// lesson says it prints.

#include "runtime/runtime.h"
#include "script/script.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

using namespace vigil;
namespace fs = std::filesystem;

namespace {

struct Step {
    int line = 0;
    std::string code;
    std::vector<std::string> expects;
};

std::vector<Step> readLesson(const fs::path& path)
{
    std::ifstream in(path);
    std::vector<Step> steps(1);
    std::string text;
    int n = 0;
    while (std::getline(in, text)) {
        ++n;
        if (text == "# ---") {
            steps.emplace_back();
            steps.back().line = n + 1;
            continue;
        }
        if (text.rfind("# expect: ", 0) == 0) {
            steps.back().expects.push_back(text.substr(10));
            continue;
        }
        if (text.rfind("#", 0) == 0 && steps.back().code.empty())
            continue; // narration
        steps.back().code += text + "\n";
    }
    return steps;
}

std::vector<std::string> lessonNames()
{
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(VIGIL_LESSONS_DIR))
        if (e.path().extension() == ".exs")
            names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

class Lesson : public ::testing::TestWithParam<std::string> { };

TEST_P(Lesson, RunsInTheConsoleAsDescribed)
{
    Runtime rt;
    std::mutex mutex;
    std::string output;
    ScriptSession session(rt, [&](const std::string& s) {
        std::lock_guard lock(mutex);
        output += s;
    });
    for (const Step& step : readLesson(fs::path(VIGIL_LESSONS_DIR) / GetParam())) {
        if (step.code.find_first_not_of(" \n") == std::string::npos)
            continue;
        // a learner takes a moment between two inputs; asynchronous effects of the previous step settle
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        size_t start;
        {
            std::lock_guard lock(mutex);
            start = output.size();
        }
        ASSERT_TRUE(session.evaluate(step.code, 60'000)) << GetParam() << ":" << step.line << " did not finish";
        for (const std::string& expect : step.expects) {
            bool found = false;
            std::string seen;
            for (int i = 0; i < 300 && !found; ++i) {
                {
                    std::lock_guard lock(mutex);
                    seen = output.substr(start);
                }
                found = seen.find(expect) != std::string::npos;
                if (!found)
                    std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
            EXPECT_TRUE(found) << GetParam() << ":" << step.line << " expected output containing \"" << expect
                               << "\", got:\n"
                               << seen;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Lessons, Lesson, ::testing::ValuesIn(lessonNames()),
    [](const ::testing::TestParamInfo<std::string>& info) {
        std::string n = info.param.substr(0, info.param.size() - 4);
        for (char& c : n)
            if (!std::isalnum(static_cast<unsigned char>(c)))
                c = '_';
        return "lesson_" + n;
    });

} // namespace
