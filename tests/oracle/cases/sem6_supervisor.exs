# SEMANTICS 6.1-6.8: supervisors (child specs, start order, failed start, strategies, intensity).
defmodule Worker do
  use GenServer
  def start_link(id), do: GenServer.start_link(__MODULE__, id, name: id)
  def init(id) do
    send(:log, {:started, id})
    {:ok, id}
  end
  def handle_call(:crash, _from, _id), do: raise "crash"
  def handle_call(:ping, _from, id), do: {:reply, {:pong, id}, id}
end

defmodule Failing do
  def start_link(reason), do: {:error, reason}
end

defmodule Ignoring do
  def start_link(_), do: :ignore
end

defmodule Case do
  def drain(acc) do
    receive do
      m -> drain([m | acc])
    after
      50 -> Enum.reverse(acc)
    end
  end

  def spec(id, extra \\ %{}), do: Map.merge(%{id: id, start: {Worker, :start_link, [id]}}, extra)

  def ids(sup), do: Enum.map(Supervisor.which_children(sup), fn {id, _, _, _} -> id end)

  def run do
    Process.register(self(), :log)
    Process.flag(:trap_exit, true)

    {:ok, sup} = Supervisor.start_link([spec(:c1), spec(:c2), spec(:c3)], strategy: :one_for_one)
    IO.inspect drain([]), label: "6.3 start order"
    IO.inspect ids(sup), label: "which_children"
    IO.inspect Supervisor.count_children(sup), label: "count_children"
    [{_, pid, type, mods} | _] = Supervisor.which_children(sup)
    IO.inspect {is_pid(pid), type, mods}, label: "child entry"

    c2 = Process.whereis(:c2)
    Process.exit(c2, :kill)
    IO.inspect drain([]), label: "6.7 one_for_one restarts c2 only"
    IO.inspect Process.whereis(:c2) != c2, label: "new pid"

    IO.inspect Supervisor.terminate_child(sup, :c1), label: "terminate_child"
    IO.inspect Process.whereis(:c1), label: "c1 stopped"
    {:ok, _} = Supervisor.restart_child(sup, :c1)
    IO.inspect drain([]), label: "restart_child"
    IO.inspect Supervisor.restart_child(sup, :c1), label: "restart running"
    IO.inspect Supervisor.terminate_child(sup, :nope), label: "terminate unknown"
    Supervisor.stop(sup)
    IO.inspect Enum.map([:c1, :c2, :c3], &Process.whereis/1), label: "6.4 stopped"

    {:ok, sup} = Supervisor.start_link([spec(:c1), spec(:c2), spec(:c3)], strategy: :one_for_all)
    drain([])
    Process.exit(Process.whereis(:c2), :kill)
    IO.inspect drain([]), label: "6.7 one_for_all"
    Supervisor.stop(sup)

    {:ok, sup} = Supervisor.start_link([spec(:c1), spec(:c2), spec(:c3)], strategy: :rest_for_one)
    drain([])
    Process.exit(Process.whereis(:c2), :kill)
    IO.inspect drain([]), label: "6.7 rest_for_one"
    Supervisor.stop(sup)

    r = Supervisor.start_link([spec(:c1), %{id: :bad, start: {Failing, :start_link, [:nope]}}, spec(:c3)], strategy: :one_for_one)
    IO.inspect r, label: "6.3 failed start"
    IO.inspect drain([]), label: "6.3 started before failure"
    IO.inspect Process.whereis(:c1), label: "6.3 c1 stopped again"

    {:ok, sup} = Supervisor.start_link([%{id: :ign, start: {Ignoring, :start_link, [1]}}, spec(:c1)], strategy: :one_for_one)
    IO.inspect Supervisor.which_children(sup) |> Enum.map(fn {id, p, _, _} -> {id, is_pid(p)} end), label: "6.3 ignore"
    Supervisor.stop(sup)
    drain([])

    {:ok, sup} = Supervisor.start_link([spec(:t, %{restart: :transient}), spec(:tmp, %{restart: :temporary})], strategy: :one_for_one)
    drain([])
    GenServer.stop(:t, :normal)
    GenServer.stop(:tmp, :boom)
    :timer.sleep(50)
    IO.inspect drain([]), label: "6.6 transient normal / temporary"
    IO.inspect Supervisor.which_children(sup) |> Enum.map(fn {id, p, _, _} -> {id, p} end), label: "6.6 children"
    Supervisor.stop(sup)

    {:ok, sup} = Supervisor.start_link([spec(:c1)], strategy: :one_for_one)
    drain([])
    for _ <- 1..3 do
      Process.exit(Process.whereis(:c1), :kill)
      :timer.sleep(20)
    end
    IO.inspect length(drain([])), label: "6.8 three restarts"
    Process.exit(Process.whereis(:c1), :kill)
    receive do
      {:EXIT, ^sup, reason} -> IO.inspect reason, label: "6.8 supervisor gave up"
    end
  end
end

Case.run()
:timer.sleep(100)
