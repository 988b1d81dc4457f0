# SEMANTICS 6.1/6.10 in Elixir 1.14: Supervisor.init/2 keeps auto_shutdown at :never, so a significant child
# is a bad child spec combination.
defmodule W do
  use GenServer
  def start_link(x), do: GenServer.start_link(__MODULE__, x)
  def init(x), do: {:ok, x}
end

defmodule Case do
  def run do
    Process.flag(:trap_exit, true)
    r = Supervisor.start_link([
      %{id: :a, start: {W, :start_link, [1]}, restart: :transient, significant: true},
      %{id: :b, start: {W, :start_link, [2]}}
    ], strategy: :one_for_one, auto_shutdown: :any_significant)
    IO.inspect r, label: "start_link"
    receive do
      {:EXIT, _, reason} -> IO.inspect reason, label: "exit"
    after
      200 -> IO.puts "no exit"
    end
  end
end

Case.run()
