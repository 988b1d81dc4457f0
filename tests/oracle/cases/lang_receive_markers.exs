# Receives that wait for a fresh reference (make_ref, Process.monitor, GenServer.call) with older messages in the
# mailbox: the older messages stay, in order, whatever happens between creating the reference and receiving.
defmodule Echo do
  use GenServer
  def init(x), do: {:ok, x}
  def handle_call(:get, _from, s), do: {:reply, s, s}
end

defmodule Case do
  def drain(acc) do
    receive do
      m -> drain([m | acc])
    after
      0 -> Enum.reverse(acc)
    end
  end

  def run do
    # plain: backlog, then a reply carrying the new reference
    for i <- 1..5, do: send(self(), {:old, i})
    ref = make_ref()
    send(self(), {ref, :reply})
    receive do
      {^ref, v} -> IO.inspect v, label: "fresh ref"
    end
    IO.inspect length(drain([])), label: "backlog kept"

    # a message older than the reference is taken before the reference's receive
    send(self(), :a)
    send(self(), :b)
    ref = make_ref()
    receive do
      :a -> IO.puts "took :a"
    end
    send(self(), {ref, :after_take})
    receive do
      {^ref, v} -> IO.inspect v, label: "after take"
    end
    IO.inspect drain([]), label: "left"

    # demonitor with :flush between the monitor and the receive
    pid = spawn(fn -> :ok end)
    m1 = Process.monitor(pid)
    :timer.sleep(20)
    send(self(), :x)
    ref = make_ref()
    Process.demonitor(m1, [:flush])
    send(self(), {ref, :after_flush})
    receive do
      {^ref, v} -> IO.inspect v, label: "after flush"
    end
    IO.inspect drain([]), label: "left"

    # an unrelated receive that times out between the reference and its receive
    send(self(), :y)
    ref = make_ref()
    receive do
      :never -> :never
    after
      0 -> :ok
    end
    send(self(), {ref, :after_timeout})
    receive do
      {^ref, v} -> IO.inspect v, label: "after timeout"
    end
    IO.inspect drain([]), label: "left"

    # a clause that does not need the reference: every message is a candidate
    send(self(), :early)
    ref = make_ref()
    receive do
      {^ref, _} -> IO.puts "wrong"
      :early -> IO.puts "took :early (no reference in this clause)"
    end

    # GenServer.call with a backlog; the backlog is untouched
    {:ok, s} = GenServer.start_link(Echo, 42)
    for i <- 1..1000, do: send(self(), {:junk, i})
    r = for _ <- 1..50, do: GenServer.call(s, :get)
    IO.inspect Enum.sum(r), label: "calls"
    left = drain([])
    IO.inspect {length(left), hd(left), List.last(left)}, label: "backlog"

    # the monitor's DOWN arrives after older messages
    send(self(), :older)
    pid = spawn(fn -> receive do :go -> exit(:done) end end)
    mref = Process.monitor(pid)
    send(pid, :go)
    receive do
      {:DOWN, ^mref, :process, _, reason} -> IO.inspect reason, label: "down"
    end
    IO.inspect drain([]), label: "left"

    # monitoring a dead process with a backlog: its DOWN comes at once, after the backlog
    send(self(), :first)
    dead = spawn(fn -> :ok end)
    :timer.sleep(20)
    dref = Process.monitor(dead)
    receive do
      {:DOWN, ^dref, :process, _, reason} -> IO.inspect reason, label: "dead down"
    end
    IO.inspect drain([]), label: "left"

    # GenServer.call to a dead server with a backlog
    send(self(), :second)
    r = try do
      GenServer.call(dead, :get, 1000)
    catch
      :exit, {reason, _} -> reason
    end
    IO.inspect r, label: "call dead"
    IO.inspect drain([]), label: "left"
  end
end

Case.run()
