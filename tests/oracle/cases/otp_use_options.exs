# `use GenServer, opts` (and Supervisor, Agent, Task) defines child_spec/1 with the options as overrides: a
# temporary child is never restarted, a transient one only after an abnormal exit, and neither restart counts
# against the supervisor's intensity.
defmodule Tmp do
  use GenServer, restart: :temporary
  def start_link(arg), do: GenServer.start_link(__MODULE__, arg)
  def init(arg), do: (IO.puts("Tmp init #{inspect(arg)}"); {:ok, arg})
end

defmodule Tr do
  use GenServer, restart: :transient, shutdown: 1000
  def start_link(arg), do: GenServer.start_link(__MODULE__, arg)
  def init(arg), do: (IO.puts("Tr init #{inspect(arg)}"); {:ok, arg})
end

defmodule Plain do
  use GenServer
  def start_link(arg), do: GenServer.start_link(__MODULE__, arg, name: Plain)
  def init(arg), do: (IO.puts("Plain init"); {:ok, arg})
end

defmodule Own do
  use GenServer, restart: :temporary
  def child_spec(arg), do: %{id: :own, start: {__MODULE__, :start_link, [arg]}}
  def start_link(arg), do: GenServer.start_link(__MODULE__, arg)
  def init(arg), do: {:ok, arg}
end

defmodule Sup do
  use Supervisor, restart: :transient
  def start_link(arg), do: Supervisor.start_link(__MODULE__, arg)
  def init(_), do: Supervisor.init([], strategy: :one_for_one)
end

defmodule Worker do
  use Task, id: :a_task
  def start_link(arg), do: Task.start_link(fn -> arg end)
end

defmodule Store do
  use Agent, [shutdown: :brutal_kill]
  def start_link(v), do: Agent.start_link(fn -> v end)
end

IO.inspect(Tmp.child_spec(1))
IO.inspect(Tr.child_spec(2))
IO.inspect(Plain.child_spec([]))
IO.inspect(Own.child_spec(3))
IO.inspect(Sup.child_spec(4))
IO.inspect(Worker.child_spec(5))
IO.inspect(Store.child_spec(6))
IO.inspect(Supervisor.child_spec({Tmp, 7}, id: :other, restart: :permanent))
IO.inspect(function_exported?(Tmp, :child_spec, 1))

try do
  Supervisor.child_spec({Tmp, 1}, colour: :blue)
rescue
  e in ArgumentError -> IO.puts("ArgumentError: " <> e.message)
end

Process.flag(:trap_exit, true)
{:ok, sup} = Supervisor.start_link([{Plain, 1}, {Tmp, 2}, {Tr, 3}], strategy: :one_for_one)
IO.inspect(Supervisor.count_children(sup), label: "at start")

[tmp] = for {Tmp, pid, _, _} <- Supervisor.which_children(sup), do: pid
Process.exit(tmp, :kill)
:timer.sleep(50)
IO.inspect(Supervisor.count_children(sup), label: "temporary killed")

[tr] = for {Tr, pid, _, _} <- Supervisor.which_children(sup), do: pid
GenServer.stop(tr, :normal)
:timer.sleep(50)
IO.inspect(for({Tr, pid, _, _} <- Supervisor.which_children(sup), do: pid), label: "transient stopped normally")

# three restarts of Plain within five seconds are allowed; the fourth kill takes the supervisor down
for i <- 1..4 do
  Process.exit(Process.whereis(Plain), :kill)
  :timer.sleep(50)
  IO.puts("kill #{i}: supervisor alive? #{Process.alive?(sup)}")
end

receive do
  {:EXIT, ^sup, reason} -> IO.inspect(reason, label: "supervisor exit")
after
  500 -> IO.puts("no exit")
end
