# SEMANTICS 7.4: when terminate/2 runs.
defmodule T do
  use GenServer
  def init(trap) do
    Process.flag(:trap_exit, trap)
    {:ok, trap}
  end
  def handle_cast(:crash, _s), do: raise "boom"
  def terminate(reason, _s) do
    send(:log, {:terminate, reason})
    :ok
  end
end

defmodule Case do
  def drain(acc) do
    receive do
      m -> drain([m | acc])
    after
      100 -> Enum.reverse(acc)
    end
  end

  def run do
    Process.register(self(), :log)
    me = self()
    spawn(fn ->
      {:ok, pid} = GenServer.start_link(T, true)
      send(me, {:server, pid})
      exit(:parent_gone)
    end)
    receive do {:server, _} -> :ok end
    IO.inspect drain([]), label: "trapping server, parent exits"

    spawn(fn ->
      {:ok, pid} = GenServer.start_link(T, false)
      send(me, {:server, pid})
      exit(:parent_gone)
    end)
    receive do {:server, _} -> :ok end
    IO.inspect drain([]), label: "non-trapping server, parent exits"

    {:ok, pid} = GenServer.start(T, true)
    Process.exit(pid, :kill)
    IO.inspect drain([]), label: "killed"

    {:ok, pid} = GenServer.start(T, false)
    Process.exit(pid, :shutdown)
    IO.inspect drain([]), label: "non-trapping shutdown"
  end
end

Case.run()
