# Lesson 2: linking, trapping, monitoring and a supervised cache.
# ---
# An unlinked process that fails does not affect us.
spawn(fn ->
  IO.puts "In #{inspect self()} process"
end)
# expect: In #PID<
# ---
spawn(fn ->
  IO.puts "Uh oh..."
  raise("I have failed you.")
end)
# expect: Uh oh...
# ---
IO.puts "I'm done."
# expect: I'm done.
# ---
# Trap exits to survive a linked failure and learn why it happened.
Process.flag(:trap_exit, true)
# ---
spawn_link(fn ->
  IO.puts "Uh oh..."
  raise("I have failed you.")
end)
# ---
receive do
  {:EXIT, pid, :normal} ->
    IO.inspect "Normal exit from #{inspect pid}"
  {:EXIT, pid, msg} ->
    IO.inspect ":EXIT received from #{inspect pid}"
    IO.inspect msg
end
# expect: ":EXIT received from #PID<
# expect: {%RuntimeError{message: "I have failed you."},
# ---
Process.flag(:trap_exit, false)
# ---
# Monitoring from a safe distance.
pid = spawn(fn ->
  :timer.sleep 500
  raise("Sorry, my friend.")
end)
# ---
ref = Process.monitor(pid)
# ---
receive do
  {:DOWN, ^ref, :process, ^pid, :normal} ->
    IO.puts "Normal exit from #{inspect pid}"
  {:DOWN, ^ref, :process, ^pid, msg} ->
    IO.puts "Received :DOWN from #{inspect pid}"
    IO.inspect msg
end
# expect: Received :DOWN from #PID<
# ---
# A caching GenServer under a supervisor.
defmodule CashMan.Cache do
  use GenServer

  @default_expiry 60

  def start_link(name) do
    GenServer.start_link(__MODULE__, %{}, name: name)
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

  def handle_cast({:store, key, value, expiry}, state) do
    {:noreply, Map.put(state, key, {calc_expired_at(expiry), value})}
  end

  def calc_expired_at(expiry) do
    (DateTime.utc_now() |> DateTime.to_unix()) + expiry
  end

  def expired?(expired_at) do
    DateTime.to_unix(DateTime.utc_now()) > expired_at
  end
end
# ---
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
# ---
# Start the supervisor without linking it to the console (so killing things does not take the shell down).
spawn(fn -> CashMan.Supervisor.start_link(); receive do :never -> :ok end end)
# ---
CashMan.Cache.fetch('total', fn -> 20 end)
# expect: 20
# ---
pid = Process.whereis(CashMan.Cache)
# expect: #PID<
# ---
Process.exit(pid, :kill)
# expect: true
# ---
# The supervisor restarted the cache under a new pid...
Process.whereis(CashMan.Cache) != pid
# expect: true
# ---
# ...and its state is gone, so the value is computed again.
CashMan.Cache.fetch('total', fn -> 20 end)
# expect: 20
