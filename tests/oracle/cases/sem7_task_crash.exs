# SEMANTICS 7.6: a task crashing kills its non-trapping caller with the task's reason.
defmodule Case do
  def run do
    Task.async(fn -> exit(:task_failed) end)
    :timer.sleep(200)
    IO.puts "not reached"
  end
end

Case.run()
