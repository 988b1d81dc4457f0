# Seed 001: a supervised caching GenServer; killing it makes the supervisor restart it under a new pid and
# its state is lost.
defmodule CashMan.Cache do
  use GenServer

  @default_expiry 60

  def start_link(name) do
    GenServer.start_link(__MODULE__, %{}, name: name)
  end

  def async_fetch(key, func, expiry \\ @default_expiry) do
    Task.async(fn ->
      fetch(key, func, expiry)
    end)
  end

  def fetch(key, func, expiry \\ @default_expiry) do
    case GenServer.call(__MODULE__, {:fetch, key, expiry}) do
      :missing ->
        value = Task.async(fn -> func.() end) |> Task.await()
        store(key, value, expiry)
        value
      value -> value
    end
  end

  def store(key, value, expiry) do
    GenServer.cast(__MODULE__, {:store, key, value, expiry})
  end

  def current do
    GenServer.call(__MODULE__, :current)
  end

  def init(state), do: {:ok, state}

  def handle_call({:fetch, key, _expiry}, _from, state) do
    {answer, new_state} = case Map.fetch(state, key) do
      {:ok, {expired_at, value}} ->
        case expired?(expired_at) do
          true -> {:missing, Map.delete(state, key)}
          false -> {value, state}
        end
      :error ->
        {:missing, state}
    end
    {:reply, answer, new_state}
  end

  def handle_call(:current, _from, state) do
    {:reply, state, state}
  end

  def handle_cast({:store, key, value, expiry}, state) do
    new_state = Map.put(state, key, {calc_expired_at(expiry), value})
    {:noreply, new_state}
  end

  def calc_expired_at(expiry) do
    (DateTime.utc_now() |> DateTime.to_unix()) + expiry
  end

  def expired?(expired_at) do
    DateTime.to_unix(DateTime.utc_now()) > expired_at
  end
end

children = [{CashMan.Cache, CashMan.Cache}]
{:ok, sup} = Supervisor.start_link(children, strategy: :one_for_one, name: CashMan.Supervisor)
IO.inspect CashMan.Cache.fetch('total', fn -> 20 end)
IO.inspect CashMan.Cache.fetch('total', fn -> 30 end)
pid = Process.whereis(CashMan.Cache)
IO.inspect is_pid(pid)
IO.inspect map_size(CashMan.Cache.current())
Process.exit(pid, :kill)
:timer.sleep(50)
new_pid = Process.whereis(CashMan.Cache)
IO.inspect is_pid(new_pid)
IO.inspect new_pid != pid
IO.inspect CashMan.Cache.current()
IO.inspect CashMan.Cache.fetch('total', fn -> 20 end)
IO.inspect Task.await(CashMan.Cache.async_fetch('other', fn -> :computed end))
[{id, child, type, modules}] = Supervisor.which_children(sup)
IO.inspect {id, child == new_pid, type, modules}
IO.inspect Supervisor.count_children(sup)
