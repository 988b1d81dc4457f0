# Named GenServers, Agent and Task as the articles use them.
defmodule Counter do
  use GenServer
  def start_link(n), do: GenServer.start_link(__MODULE__, n, name: __MODULE__)
  def inc, do: GenServer.cast(__MODULE__, :inc)
  def get, do: GenServer.call(__MODULE__, :get)
  def init(n), do: {:ok, n}
  def handle_cast(:inc, n), do: {:noreply, n + 1}
  def handle_call(:get, _from, n), do: {:reply, n, n}
end

{:ok, pid} = Counter.start_link(10)
Counter.inc()
Counter.inc()
IO.inspect Counter.get(), label: "counter"
IO.inspect Process.whereis(Counter) == pid, label: "registered"
IO.inspect Counter.start_link(0) == {:error, {:already_started, pid}}, label: "already started"

{:ok, agent} = Agent.start_link(fn -> %{} end, name: :store)
Agent.update(:store, &Map.put(&1, :a, 1))
IO.inspect Agent.get(:store, & &1), label: "agent"
IO.inspect Agent.get(agent, &Map.get(&1, :a)), label: "agent by pid"

tasks = Enum.map(1..5, fn i -> Task.async(fn -> i * i end) end)
IO.inspect Enum.map(tasks, &Task.await/1), label: "tasks"
IO.inspect Task.await_many([Task.async(fn -> :a end), Task.async(fn -> :b end)]), label: "await_many"

{:ok, sup} = Supervisor.start_link([
  %{id: :agent, start: {Agent, :start_link, [fn -> 0 end, [name: :sup_agent]]}},
  {Task, fn -> :timer.sleep(10) end}
], strategy: :one_for_one)
:timer.sleep(200) # the task (10 ms) is long gone, even on a loaded machine under a sanitizer
IO.inspect Supervisor.which_children(sup) |> Enum.map(fn {id, p, t, _} -> {id, is_pid(p), t} end), label: "children"
IO.inspect Supervisor.count_children(sup), label: "counts"
