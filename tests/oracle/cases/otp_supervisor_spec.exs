# The supervisor of the CashMan article: Supervisor.Spec's worker/2 and supervise/2, which `use Supervisor` imports
# (deprecated, but still in Elixir 1.14), started from an Application module's start/2.
defmodule CashMan.Cache do
  use GenServer
  def start_link(name), do: GenServer.start_link(__MODULE__, %{}, name: name)
  def init(state), do: {:ok, state}
  def handle_call({:fetch, key}, _from, state), do: {:reply, Map.get(state, key, :missing), state}
  def handle_cast({:store, key, value}, state), do: {:noreply, Map.put(state, key, value)}
end

defmodule CashMan.Supervisor do
  use Supervisor

  def start_link do
    Supervisor.start_link(__MODULE__, :ok, name: CashMan.Supervisor)
  end

  def init(:ok) do
    children = [
      worker(CashMan.Cache, [CashMan.Cache])
    ]

    supervise(children, [strategy: :one_for_one])
  end
end

defmodule CashMan do
  use Application

  def start(_type, _args) do
    CashMan.Supervisor.start_link()
  end
end

defmodule Nested do
  use Supervisor
  def start_link(arg), do: Supervisor.start_link(__MODULE__, arg)
  def init(_) do
    supervise([worker(Agent, [fn -> 1 end], id: :a1, restart: :transient),
               supervisor(CashMan.Supervisor, [], function: :start_link)], strategy: :rest_for_one, max_restarts: 1)
  end
end

IO.inspect(Supervisor.Spec.worker(CashMan.Cache, [CashMan.Cache]))
IO.inspect(Supervisor.Spec.supervisor(Nested, [:x], restart: :temporary))
IO.inspect(Supervisor.Spec.supervise([], strategy: :one_for_all))
IO.inspect(CashMan.stop(:state))

{:ok, sup} = CashMan.start(:normal, [])
IO.inspect(Process.whereis(CashMan.Supervisor) == sup)
GenServer.cast(CashMan.Cache, {:store, 'total', 20})
IO.inspect(GenServer.call(CashMan.Cache, {:fetch, 'total'}))
pid = Process.whereis(CashMan.Cache)
Process.exit(pid, :kill)
:timer.sleep(50)
IO.inspect(Process.whereis(CashMan.Cache) != pid, label: "restarted")
IO.inspect(GenServer.call(CashMan.Cache, {:fetch, 'total'}), label: "state after restart")
IO.inspect(Supervisor.which_children(CashMan.Supervisor) |> Enum.map(fn {id, _, type, mods} -> {id, type, mods} end))
IO.inspect(Supervisor.count_children(CashMan.Supervisor))

try do
  Supervisor.Spec.supervise([Supervisor.Spec.worker(A, []), Supervisor.Spec.worker(A, [])], strategy: :one_for_one)
rescue
  e in ArgumentError -> IO.puts("ArgumentError: " <> e.message)
end
