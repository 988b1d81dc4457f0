# An exit signal a script sends itself ends it, even a normal one (unlike exit(:normal)): the runner reports the
# main process as ended by a signal and exits with 1.
IO.puts("before")
try do
  Process.exit(self(), :normal)
catch
  kind, reason -> IO.inspect({kind, reason}, label: "never caught")
end
IO.puts("after")
