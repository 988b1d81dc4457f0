# The callbacks `use GenServer` provides when a module does not define them: a cast crashes the server with a
# RuntimeError that names it (its registered name when it has one), raised in the default callback; an unexpected
# message is logged and the server goes on. (A call crashes it the same way: see ScriptOtp tests, as the report of
# a crashed call shows the waiting client's stack.)
defmodule Useless do
  use GenServer
  def init(arg), do: {:ok, arg}
end

defmodule Try do
  def down(pid) do
    ref = Process.monitor(pid)
    receive do
      {:DOWN, ^ref, :process, ^pid, {%RuntimeError{message: m}, [frame | _]}} -> {m, frame}
    end
  end
end

{:ok, u} = GenServer.start(Useless, [])
send(u, :stray)
:timer.sleep(20)
IO.inspect(Process.alive?(u), label: "alive after a stray message")
spawn(fn -> IO.inspect(Try.down(u), label: "monitor") end)
:timer.sleep(20)
GenServer.cast(u, :hello)
:timer.sleep(50)

{:ok, named} = GenServer.start(Useless, [], name: :useless)
spawn(fn -> IO.inspect(Try.down(named), label: "monitor") end)
:timer.sleep(20)
GenServer.cast(:useless, :hello)
:timer.sleep(50)
