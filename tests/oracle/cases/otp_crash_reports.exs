# Crash reports of GenServer callbacks and tasks, as Elixir's logger prints them.
defmodule S do
  use GenServer
  def init(:crash), do: raise "init boom"
  def init(x), do: {:ok, x}
  def handle_cast(:boom, _s), do: raise "cast boom"
  def handle_cast(:exit, _s), do: exit(:cast_exit)
  def handle_info(:stop, s), do: {:stop, :info_stop, s}
  def handle_info(:bad, s), do: 1 / s
end

{:ok, a} = GenServer.start(S, [])
GenServer.cast(a, :boom)
:timer.sleep(100)
{:ok, a} = GenServer.start(S, [])
GenServer.cast(a, :exit)
:timer.sleep(100)
{:ok, a} = GenServer.start(S, [])
send(a, :stop)
:timer.sleep(100)
{:ok, a} = GenServer.start(S, 0)
send(a, :bad)
:timer.sleep(100)
IO.inspect GenServer.start(S, :crash)
:timer.sleep(100)
Task.start(fn -> raise "task boom" end)
:timer.sleep(100)
Task.start(fn -> exit(:task_exit) end)
:timer.sleep(100)
Task.start(fn -> exit(:normal) end)
:timer.sleep(100)
spawn(fn -> exit(:plain_exit_is_not_logged) end)
spawn(fn -> throw(:ball) end)
:timer.sleep(100)
IO.puts "end"
